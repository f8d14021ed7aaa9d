//go:build amd64 && !f64

package tensor

import (
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// The vector kernels do the operations of sigmoidGo and siluGo in the
// same order, so they give the same bits, whatever the length (whole
// vectors and a tail) and wherever the slices start.
func TestSigmoidAVX2MatchesGo(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	xs := sigmoidInputs()
	for _, f := range []struct {
		name       string
		kernel     func(dst, src *float32, n int)
		tail, want func(dst, src []float32)
	}{{"sigmoid", sigmoidAVX2, sigmoidGo, sigmoidGo}, {"silu", siluAVX2, siluGo, siluGo}} {
		want := make([]float32, len(xs))
		f.want(want, xs)
		got := make([]float32, len(xs))
		vectorised(f.kernel, f.tail)(got, xs)
		for i, x := range xs {
			if !sameFloat(got[i], want[i]) {
				t.Errorf("%s(%g): AVX2 %g, Go %g", f.name, x, got[i], want[i])
			}
		}
		for n := range 20 {
			for off := range 3 {
				src := xs[off : off+n]
				dst := slices.Repeat([]float32{guard}, n+1)
				vectorised(f.kernel, f.tail)(dst, src)
				if !slices.EqualFunc(dst[:n], want[off:off+n], sameFloat) || dst[n] != guard {
					t.Errorf("%s of %d values from %d: %v, want %v and the guard", f.name, n, off, dst, want[off:off+n])
				}
			}
		}
	}
}
