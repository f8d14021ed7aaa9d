//go:build !f64

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSelectKernelsMatchLoops checks the vectorised MaskedScale and
// ZeroWherePositive against the loops bit for bit, over lengths that
// leave every tail and references of every sign, zeros, infinities,
// subnormals and NaNs.
func TestSelectKernelsMatchLoops(t *testing.T) {
	if maskedScaleVec == nil {
		t.Skip("no vectorised kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), 1e-40, -1e-40, math.MaxFloat32, -math.MaxFloat32}
	for n := range 70 {
		v, ref := make([]Float, n), make([]Float, n)
		for i := range n {
			v[i], ref[i] = Float(rng.NormFloat64()), Float(rng.NormFloat64())
			if rng.IntN(3) == 0 {
				ref[i] = specials[rng.IntN(len(specials))]
			}
			if rng.IntN(5) == 0 {
				v[i] = specials[rng.IntN(len(specials))]
			}
		}
		got, want := make([]Float, n), make([]Float, n)
		MaskedScale(got, v, ref, 0.2)
		maskedScaleGo(want, v, ref, 0.2)
		for i := range n {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: MaskedScale at %d (v %v, ref %v) = %v, the loop %v", n, i, v[i], ref[i], got[i], want[i])
			}
		}
		ZeroWherePositive(got, v, ref)
		zeroWherePositiveGo(want, v, ref)
		for i := range n {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: ZeroWherePositive at %d (w %v, ref %v) = %v, the loop %v", n, i, v[i], ref[i], got[i], want[i])
			}
		}
	}
}

func BenchmarkMaskedScale(b *testing.B) {
	const n = 200 * 300
	v, ref, dst := make([]Float, n), make([]Float, n), make([]Float, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		v[i], ref[i] = Float(rng.NormFloat64()), Float(rng.NormFloat64())
	}
	b.Run("vectorised", func(b *testing.B) {
		for range b.N {
			MaskedScale(dst, v, ref, 0.2)
		}
	})
	b.Run("loop", func(b *testing.B) {
		for range b.N {
			maskedScaleGo(dst, v, ref, 0.2)
		}
	})
}
