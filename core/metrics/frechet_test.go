package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFrechetFromMomentsClosedForms(t *testing.T) {
	// Diagonal covariances commute: the distance is Σ(Δμ)² + Σ(σx − σy)².
	mx, my := []float64{0, 1, -2}, []float64{1, 1, 0}
	vx, vy := []float64{1, 4, 0.25}, []float64{9, 1, 0.25}
	want := 0.0
	for i := range mx {
		want += (mx[i]-my[i])*(mx[i]-my[i]) + (math.Sqrt(vx[i])-math.Sqrt(vy[i]))*(math.Sqrt(vx[i])-math.Sqrt(vy[i]))
	}
	got, err := FrechetFromMoments(mx, diag(vx), my, diag(vy))
	if err != nil || math.Abs(got-want) > 1e-9 {
		t.Errorf("diagonal: %v (%v), want %v", got, err, want)
	}
	// Σx = I: tr (Σx·Σy)^½ = tr Σy^½, the sum of the square roots of Σy's
	// eigenvalues, for a Σy that does not commute with anything diagonal.
	sy := mat.NewSymDense(2, []float64{2, 0.8, 0.8, 1})
	var eig mat.EigenSym
	eig.Factorize(sy, false)
	ev := eig.Values(nil)
	want = 2 + 3 - 2*(math.Sqrt(ev[0])+math.Sqrt(ev[1]))
	got, err = FrechetFromMoments([]float64{0, 0}, diag([]float64{1, 1}), []float64{0, 0}, sy)
	if err != nil || math.Abs(got-want) > 1e-9 {
		t.Errorf("identity against a full covariance: %v (%v), want %v", got, err, want)
	}
}

func diag(v []float64) *mat.SymDense {
	s := mat.NewSymDense(len(v), nil)
	for i, x := range v {
		s.SetSym(i, i, x)
	}
	return s
}

func TestFrechetDistanceOfSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sample := func(n int, shift float64) *mat.Dense {
		x := mat.NewDense(n, 4, nil)
		for i := range n {
			a, b := rng.NormFloat64(), rng.NormFloat64()
			x.SetRow(i, []float64{a + shift, a + 0.5*b, b, rng.NormFloat64()})
		}
		return x
	}
	x := sample(4000, 0)
	if d, err := FrechetDistance(x, x); err != nil || math.Abs(d) > 1e-8 {
		t.Errorf("a set against itself: %v (%v), want 0", d, err)
	}
	same, _ := FrechetDistance(x, sample(4000, 0))
	shifted, _ := FrechetDistance(x, sample(4000, 1))
	if !(same < 0.02) || math.Abs(shifted-1) > 0.1 {
		t.Errorf("same distribution: %v, want about 0; shifted by 1 in one coordinate: %v, want about 1", same, shifted)
	}
	if _, err := FrechetDistance(x, mat.NewDense(5, 3, nil)); err == nil {
		t.Error("accepted features of different widths")
	}
}

func ExampleFrechetFromMoments() {
	// Two 1-D Gaussians, N(0, 1) and N(3, 4): (0 − 3)² + (1 − 2)² = 10.
	d, _ := FrechetFromMoments([]float64{0}, mat.NewSymDense(1, []float64{1}), []float64{3}, mat.NewSymDense(1, []float64{4}))
	fmt.Printf("%.6f\n", d)
	// Output: 10.000000
}
