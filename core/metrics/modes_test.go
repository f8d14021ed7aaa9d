package metrics_test

import (
	"math"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/metrics"
)

func TestModeCoverageHandMade(t *testing.T) {
	centres := []float64{0, 0, 1, 0, 5, 5}
	const sigma = 0.1
	samples := []float64{
		0.05, 0, // centre 0
		0, 0.3, // centre 0, exactly 3σ away: inside
		0.5, 0, // nearest is centre 0 but 5σ away: no mode
		0.9, 0.1, // centre 1
		1.2, 1.2, // nothing near
	}
	modes, hq := metrics.ModeCoverage(samples, centres, sigma)
	if modes != 2 || hq != 3.0/5 {
		t.Errorf("modes %d hq %g, want 2 and 0.6", modes, hq)
	}
	// A sample between two centres counts once, for the nearer.
	modes, hq = metrics.ModeCoverage([]float64{0.26, 0}, []float64{0, 0, 0.5, 0}, sigma)
	if modes != 1 || hq != 1 {
		t.Errorf("between centres: modes %d hq %g, want 1 and 1", modes, hq)
	}
	modes, hq = metrics.ModeCoverage(nil, centres, sigma)
	if modes != 0 || !math.IsNaN(hq) {
		t.Errorf("no samples: modes %d hq %g, want 0 and NaN", modes, hq)
	}
}

func TestGaussians25Centres(t *testing.T) {
	c := metrics.Gaussians25Centres()
	if len(c) != 50 {
		t.Fatalf("%d values, want 25 points", len(c))
	}
	corner := 4 / 2.828
	if c[0] != -corner || c[1] != -corner || c[48] != corner || c[49] != corner {
		t.Errorf("first and last centres (%g, %g), (%g, %g), want ∓%g", c[0], c[1], c[48], c[49], corner)
	}
	if metrics.Gaussians25Sigma != 0.1/2.828 {
		t.Errorf("σ = %g", metrics.Gaussians25Sigma)
	}
}

// The metric and the data generator must agree on 25-Gaussians' geometry:
// real data covers every mode, and the share within 3σ of a 2-D Gaussian is
// 1 − e^{−9/2}.
func TestModeCoverageOfTheToyData(t *testing.T) {
	d, err := data.Toy("25gaussians", 20000, newRNG(6))
	if err != nil {
		t.Fatal(err)
	}
	samples := make([]float64, len(d.Data))
	for i, v := range d.Data {
		samples[i] = float64(v)
	}
	modes, hq := metrics.ModeCoverage(samples, metrics.Gaussians25Centres(), metrics.Gaussians25Sigma)
	if want := 1 - math.Exp(-4.5); modes != 25 || math.Abs(hq-want) > 0.003 {
		t.Errorf("modes %d hq %.4f, want 25 and %.4f", modes, hq, want)
	}
}
