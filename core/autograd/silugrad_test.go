package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// The SiLU derivatives from the vectorised sigmoids stay within a few
// 1e-6 of their float64 values everywhere, near their zeros (the windows
// computed in float64) included, and keep NaN and infinities.
func TestSiLUGradsAreAccurate(t *testing.T) {
	if tensor.Is64 {
		t.Skip("float64 builds compute every element from math.Exp, as the GPU does")
	}
	var xs []tensor.Float
	for x := -120.0; x <= 120; x += 0.0137 {
		xs = append(xs, tensor.Float(x))
	}
	for _, z := range []float64{-1.2784645, 2.3994, -2.3994} { // the zeros
		for d := -0.3; d <= 0.3; d += 1e-4 {
			xs = append(xs, tensor.Float(z+d))
		}
	}
	xs = append(xs, 0, tensor.Float(math.Inf(1)), tensor.Float(math.Inf(-1)), tensor.Float(math.NaN()))
	for _, op := range []UnaryOp{OpSiLUGrad, OpSiLUGrad2} {
		got := make([]tensor.Float, len(xs))
		siluGrads(op, got, xs)
		worst := 0.0
		for i, x := range xs {
			want := siluGradReference(op, float64(x))
			g := float64(got[i])
			if math.IsNaN(want) || math.IsInf(float64(x), 0) {
				if !(math.IsNaN(g) && math.IsNaN(want)) && g != float64(tensor.Float(want)) {
					t.Errorf("op %d at %v: %v, want %v", op, x, g, want)
				}
				continue
			}
			// Relative, except near float32's subnormal range, where the
			// sigmoids themselves are rounded to absolute steps (σ(−104)
			// is below the smallest subnormal): there the absolute error
			// counts, at most 5e-6·2⁻¹¹⁰ ≈ 4e-39.
			err := math.Abs(g-want) / max(math.Abs(want), 0x1p-110)
			worst = max(worst, err)
			if err > 5e-6 {
				t.Errorf("op %d at %v: %v, want %v (relative error %.2g)", op, x, g, want, err)
			}
		}
		t.Logf("op %d: worst relative error %.2g over %d points", op, worst, len(xs))
	}
	// In place, as Unary allows.
	x := []tensor.Float{-3, -1, 0.5, 4}
	want := make([]tensor.Float, len(x))
	siluGrads(OpSiLUGrad2, want, x)
	siluGrads(OpSiLUGrad2, x, x)
	for i := range x {
		if x[i] != want[i] {
			t.Fatalf("in place: %v, want %v", x, want)
		}
	}
}

// siluGradReference is SiLU's first or second derivative in float64 with σ(−x) computed,
// not taken as 1 − σ(x), so that it is accurate for large x too.
func siluGradReference(op UnaryOp, x float64) float64 {
	sp, sn := sigmoid(x), sigmoid(-x)
	if op == OpSiLUGrad {
		return sp * (1 + x*sn)
	}
	return sp * sn * (2 + x*(sn-sp))
}

// SiLU's second derivative at a million values (an S-network activation at batch 16).
func BenchmarkSiLUGrad2(b *testing.B) {
	x := randMatrix(rand.New(rand.NewPCG(1, 1)), 1000, 1000)
	out := tensor.New(1000, 1000)
	cpu := NewCPU()
	b.ReportAllocs()
	for b.Loop() {
		cpu.Unary(OpSiLUGrad2, out, x, 0)
	}
}
