package tensor

import (
	"math"
	"slices"
	"testing"
)

// The sigmoid reference: float64 arithmetic in the form that cannot
// overflow, rounded once to Float.
func sigmoidRef(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// ulpsApart is the number of Floats between a and b (0 if both are NaN,
// the largest int if only one is).
func ulpsApart(a, b Float) uint64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxUint64
	}
	ord := func(f Float) int64 {
		var u int64
		if Is64 {
			u = int64(math.Float64bits(float64(f)))
			if u < 0 {
				u = math.MinInt64 - u
			}
		} else {
			u = int64(int32(math.Float32bits(float32(f))))
			if u < 0 {
				u = math.MinInt32 - u
			}
		}
		return u
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return uint64(d)
}

// sigmoidInputs are the special values and a geometric sweep of both
// signs from 1e-30 to 200, dense enough to cover every binade many times,
// past the points where e^(−|x|) leaves the normal range (87.3) and
// rounds to zero (103.97).
func sigmoidInputs() []Float {
	xs := []Float{0, Float(math.Copysign(0, -1)), Float(math.Inf(1)), Float(math.Inf(-1)), Float(math.NaN()),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		87.33, -87.33, 88.72, -88.72, 103.9, -103.9, 104, -104, 150, -150}
	for x := 1e-30; x < 200; x *= 1.00002 {
		xs = append(xs, Float(x), Float(-x))
	}
	return xs
}

// sigmoidULPs and siluULPs bound the distance of Sigmoid and SiLU from
// the reference rounded to Float (sigmoid(x) and x·sigmoid(x) in float64):
// float32 computes them with a polynomial, float64 with math.Exp.
var sigmoidULPs, siluULPs = map[bool]uint64{false: 2, true: 1}[Is64], map[bool]uint64{false: 3, true: 1}[Is64]

func TestSigmoidAndSiLUAgainstMathExp(t *testing.T) {
	xs := sigmoidInputs()
	sig, silu := make([]Float, len(xs)), make([]Float, len(xs))
	Sigmoid(sig, xs)
	SiLU(silu, xs)
	for i, x := range xs {
		s := sigmoidRef(float64(x))
		if d := ulpsApart(sig[i], Float(s)); d > sigmoidULPs {
			t.Errorf("sigmoid(%g) = %g, want %g: %d ulp apart, more than %d", x, sig[i], Float(s), d, sigmoidULPs)
		}
		// −∞·0 = NaN: silu(−∞) is NaN, as in the device kernels.
		if d := ulpsApart(silu[i], Float(float64(x)*s)); d > siluULPs {
			t.Errorf("silu(%g) = %g, want %g: %d ulp apart, more than %d", x, silu[i], Float(float64(x)*s), d, siluULPs)
		}
	}
	// In place, as the autograd's Unary may call them.
	in := slices.Clone(xs)
	Sigmoid(in, in)
	if !slices.EqualFunc(in, sig, sameFloat) {
		t.Error("Sigmoid in place differs")
	}
	in = slices.Clone(xs)
	SiLU(in, in)
	if !slices.EqualFunc(in, silu, sameFloat) {
		t.Error("SiLU in place differs")
	}
}

// sameFloat reports whether a and b are the same value, NaNs being one.
func sameFloat(a, b Float) bool {
	return a == b && math.Signbit(float64(a)) == math.Signbit(float64(b)) || a != a && b != b
}

// BenchmarkSiLU times SiLU over a convolution's output (64 images of
// 32×32×64 values), the elementwise work of the image networks.
func BenchmarkSiLU(b *testing.B) {
	xs := make([]Float, 64*32*32*64)
	for i := range xs {
		xs[i] = Float(i%1001-500) / 100
	}
	out := make([]Float, len(xs))
	b.SetBytes(int64(8 * len(xs)))
	for b.Loop() {
		SiLU(out, xs)
	}
}
