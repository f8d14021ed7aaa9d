package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Add, Sub and Mul give the loops' bits whatever the length (whole
// vectors and a tail), wherever the slices start, for special values
// too, and in place.
func TestElementwiseMatchLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := make([]Float, 70), make([]Float, 70)
	for i := range a {
		a[i], b[i] = Float(rng.NormFloat64()*1e3), Float(rng.NormFloat64())
	}
	a[3], b[5], a[9], b[17] = Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1)), 0
	same := func(x, y Float) bool { return x == y || x != x && y != y }
	for _, f := range []struct {
		name     string
		fn, loop func(dst, a, b []Float)
	}{{"Add", Add, addGo}, {"Sub", Sub, subGo}, {"Mul", Mul, mulGo}} {
		for n := range 40 {
			for off := range 3 {
				want := make([]Float, n)
				f.loop(want, a[off:off+n], b[2*off:2*off+n])
				got := slices.Repeat([]Float{-7}, n+1) // one past the end must stay
				f.fn(got, a[off:off+n], b[2*off:2*off+n])
				if !slices.EqualFunc(got[:n], want, same) || got[n] != -7 {
					t.Fatalf("%s of %d values from %d: %v, want %v", f.name, n, off, got, want)
				}
				inPlace := slices.Clone(a[off : off+n])
				f.fn(inPlace, inPlace, b[2*off:2*off+n])
				if !slices.EqualFunc(inPlace, want, same) {
					t.Fatalf("%s in place of %d values: %v, want %v", f.name, n, inPlace, want)
				}
			}
		}
	}
}
