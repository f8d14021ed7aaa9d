package cudaemu

import (
	"errors"
	"testing"
)

// ForTest returns a new Runtime that is closed when the test ends. It
// skips the test when no C++ compiler is found, and fails it when the
// emulation library does not build: a kernel source the compiler rejects
// is an error to see, not a reason to skip.
func ForTest(tb testing.TB) *Runtime {
	tb.Helper()
	r, err := New()
	if errors.Is(err, ErrNoCompiler) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}
