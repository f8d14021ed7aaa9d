package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

func TestDequantize(t *testing.T) {
	const n = 20000
	x := tensor.New(n, 3)
	for i := range n {
		x.Set(i, 0, 0)
		x.Set(i, 1, 0.5)
		x.Set(i, 2, 1)
	}
	before := x.Clone()
	a := Dequantize(x, newRNG(7))
	if b := Dequantize(x, newRNG(7)); !equalData(a, b) {
		t.Fatal("same seed, different results")
	}
	if c := Dequantize(x, newRNG(8)); equalData(a, c) {
		t.Fatal("different seeds, same results")
	}
	if !equalData(x, before) {
		t.Fatal("Dequantize modified its input")
	}
	const half = 1.0 / 512 // half the width of one level
	const tol = 1e-6       // float32 rounding
	var sum, sumSq float64
	for i := range n {
		lo, mid, hi := float64(a.At(i, 0)), float64(a.At(i, 1)), float64(a.At(i, 2))
		if lo < LogitEps-tol || lo > half+tol || hi < 1-half-tol || hi > 1-LogitEps+tol {
			t.Fatalf("row %d: 0 → %g, 1 → %g; want [%g, %g] and [%g, %g]", i, lo, hi, LogitEps, half, 1-half, 1-LogitEps)
		}
		d := mid - 0.5
		if math.Abs(d) > half+tol {
			t.Fatalf("row %d: 0.5 → %g, more than 1/512 away", i, mid)
		}
		sum, sumSq = sum+d, sumSq+d*d
	}
	// The noise is uniform on [−1/512, 1/512]: mean 0, variance 1/(12·256²).
	mean, variance := sum/n, sumSq/n-(sum/n)*(sum/n)
	wantVar := 1.0 / (12 * 256 * 256)
	if math.Abs(mean) > 4*math.Sqrt(wantVar/n) || math.Abs(variance/wantVar-1) > 0.05 {
		t.Errorf("noise mean %g, variance %g; want 0, %g", mean, variance, wantVar)
	}
}

func equalData(a, b *tensor.Dense) bool {
	if a.R != b.R || a.C != b.C {
		return false
	}
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			return false
		}
	}
	return true
}

func TestLogitSigmoid(t *testing.T) {
	x := tensor.FromSlice(1, 5, []tensor.Float{LogitEps, 0.1, 0.5, 0.9, 1 - LogitEps})
	y := Logit(x)
	for i, want := range []float64{-6.9067547786, -2.1972245773, 0, 2.1972245773, 6.9067547786} {
		// 1 − 1e-3 is not exact in float32; at x = 0.999 the logit's slope
		// of 1000 turns that rounding into about 1e-5.
		if math.Abs(float64(y.Data[i])-want) > 1e-4 {
			t.Errorf("logit(%g) = %g, want %g", x.Data[i], y.Data[i], want)
		}
	}
	back := Sigmoid(y)
	for i := range x.Data {
		if math.Abs(float64(back.Data[i]-x.Data[i])) > 1e-6 {
			t.Errorf("sigmoid(logit(%g)) = %g", x.Data[i], back.Data[i])
		}
	}
	// Far out, the sigmoid saturates without producing NaN.
	s := Sigmoid(tensor.FromSlice(1, 2, []tensor.Float{-1000, 1000}))
	if s.Data[0] != 0 || s.Data[1] != 1 {
		t.Errorf("sigmoid(∓1000) = %v, want [0 1]", s.Data)
	}
}

// log|dy/dx| against a central difference of the logit itself.
func TestLogitLogJacobianMatchesDerivative(t *testing.T) {
	logit := func(x float64) float64 { return math.Log(x / (1 - x)) }
	for _, x := range []float64{0.001, 0.02, 0.3, 0.5, 0.77, 0.999} {
		const h = 1e-7
		fd := (logit(x+h*x*(1-x)) - logit(x-h*x*(1-x))) / (2 * h * x * (1 - x))
		y := tensor.Float(logit(x))
		got := LogitLogJacobian([]tensor.Float{y})
		if want := math.Log(fd); math.Abs(got-want) > 1e-4 {
			t.Errorf("x = %g: log|dy/dx| = %g, finite difference %g", x, got, want)
		}
	}
	if got := LogitLogJacobian([]tensor.Float{0, 0, 0}); math.Abs(got-3*math.Log(4)) > 1e-12 {
		t.Errorf("three pixels at x = ½: %g, want 3·log 4", got)
	}
}

// The change of variables preserves mass: for the pixel density
// p_x(x) = 2x on [0, 1], p_y(y) = p_x(σ(y))·exp(−LogitLogJacobian(y))
// must integrate to 1 over y.
func TestLogitLogJacobianPreservesMass(t *testing.T) {
	const lim, steps = 40.0, 80000
	dy := 2 * lim / steps
	var total float64
	for i := range steps {
		y := -lim + (float64(i)+0.5)*dy
		x := 1 / (1 + math.Exp(-y))
		total += 2 * x * math.Exp(-LogitLogJacobian([]tensor.Float{tensor.Float(y)})) * dy
	}
	if math.Abs(total-1) > 1e-4 {
		t.Errorf("∫ p_y dy = %g, want 1", total)
	}
}

// The known answer: data uniform on [0, 1]^D in pixel space is 8 bits per
// dimension of 8-bit data. Its logit-space density is the logistic density
// log p_y(y) = Σ log(σ(y)(1 − σ(y))), computed here independently.
func TestBitsPerDimOfUniformDensity(t *testing.T) {
	rng := newRNG(3)
	const d = 784
	y := make([]tensor.Float, d)
	var logPy float64
	for i := range y {
		y[i] = tensor.Float(rng.NormFloat64() * 3)
		s := 1 / (1 + math.Exp(-float64(y[i])))
		logPy += math.Log(s * (1 - s))
	}
	logPx := logPy + LogitLogJacobian(y)
	if math.Abs(logPx) > 1e-9*d {
		t.Errorf("pixel-space log-density of the uniform density %g, want 0", logPx)
	}
	if got := BitsPerDim(logPx, d); math.Abs(got-8) > 1e-9 {
		t.Errorf("bits/dim %g, want 8", got)
	}
	// Doubling the density everywhere saves exactly one bit in total.
	if got := BitsPerDim(math.Ln2, d); math.Abs(got-(8-1.0/d)) > 1e-12 {
		t.Errorf("bits/dim of density 2: %g, want 8 − 1/%d", got, d)
	}
}

func TestSpaces(t *testing.T) {
	x := tensor.FromSlice(1, 4, []tensor.Float{-0.5, 0.25, 1.5, 0})
	clamped := PixelSpace.ToPixels(x)
	if want := []tensor.Float{0, 0.25, 1, 0}; !slices.Equal(clamped.Data, want) {
		t.Errorf("pixel space: %v, want %v", clamped.Data, want)
	}
	logits := LogitSpace.ToPixels(x)
	for i, v := range x.Data {
		if want := 1 / (1 + math.Exp(-float64(v))); math.Abs(float64(logits.Data[i])-want) > 1e-6 {
			t.Errorf("logit %v: %v, want %v", v, logits.Data[i], want)
		}
	}
	pixels := tensor.FromSlice(1, 3, []tensor.Float{0, 0.5, 1})
	if got := PixelSpace.FromPixels(pixels, nil); got != pixels {
		t.Errorf("pixel space copies its input")
	}
	signed := SignedSpace.FromPixels(pixels, nil)
	if want := []tensor.Float{-1, 0, 1}; !slices.Equal(signed.Data, want) {
		t.Errorf("signed space: %v, want %v", signed.Data, want)
	}
	if back := SignedSpace.ToPixels(signed); !slices.Equal(back.Data, pixels.Data) {
		t.Errorf("signed space and back: %v, want %v", back.Data, pixels.Data)
	}
	// Into logit space and back is the dequantised pixel: within half a
	// level of the original, and clamped away from 0 and 1.
	back := LogitSpace.ToPixels(LogitSpace.FromPixels(pixels, rand.New(rand.NewPCG(1, 2))))
	for i, v := range pixels.Data {
		if d := math.Abs(float64(back.Data[i] - v)); d > 0.5/PixelLevels+1e-6 {
			t.Errorf("pixel %v → logit → %v: moved by %v, more than half a level", v, back.Data[i], d)
		}
	}
}
