package bindings

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"

	"github.com/ddaebm/ddaebm/core/memlimit"
)

// The Python exception classes an error maps to. The message reaching
// Python starts with one of them and ": ".
const (
	KindValue    = "ValueError"        // bad arguments: shapes, sizes, names, configurations
	KindNotFound = "FileNotFoundError" // a file to read does not exist
	KindError    = "Error"             // the work failed: damaged checkpoint, diverged training, I/O
	KindPanic    = "GoPanic"           // a bug: Go panicked and the call was abandoned
	KindTooLarge = "TooLargeError"     // the call would need more memory than there is (memlimit)
	KindBusy     = "ModelBusyError"    // the model is training in another call (Fit)
)

type kindError struct {
	kind string
	err  error
}

func (e *kindError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// invalid reports a bad argument.
func invalid(format string, args ...any) error {
	return &kindError{KindValue, fmt.Errorf(format, args...)}
}

// busy reports a model held by another call.
func busy(format string, args ...any) error {
	return &kindError{KindBusy, fmt.Errorf(format, args...)}
}

// asValue marks an error from core as caused by the caller's arguments.
func asValue(err error) error {
	if err == nil {
		return nil
	}
	return &kindError{KindValue, err}
}

// guard is deferred first in every exported function: it turns a panic
// into a GoPanic error, with the stack for the bug report, and gives
// every other error its kind.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = &kindError{KindPanic, fmt.Errorf("Go panicked (a bug in ddaebm; please report it with this message): %v\n%s", r, debug.Stack())}
		return
	}
	if *err == nil {
		return
	}
	// Sizes that do not fit are their own kind, whatever else marked them.
	var tooLarge *memlimit.TooLargeError
	if errors.As(*err, &tooLarge) {
		inner := *err
		if k, ok := inner.(*kindError); ok {
			inner = k.err
		}
		*err = &kindError{KindTooLarge, inner}
		return
	}
	if _, ok := (*err).(*kindError); ok {
		return
	}
	if errors.Is(*err, fs.ErrNotExist) {
		*err = &kindError{KindNotFound, *err}
	} else {
		*err = &kindError{KindError, *err}
	}
}
