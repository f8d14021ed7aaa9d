package metrics_test

import (
	"math"
	"testing"

	"github.com/ddaebm/ddaebm/core/metrics"
)

// pairwiseAUROC counts every (in, out) pair, ties as ½.
func pairwiseAUROC(in, out []float64) float64 {
	wins := 0.0
	for _, a := range in {
		for _, b := range out {
			switch {
			case a > b:
				wins++
			case a == b:
				wins += 0.5
			}
		}
	}
	return wins / float64(len(in)*len(out))
}

func TestAUROCKnownCases(t *testing.T) {
	cases := []struct {
		name    string
		in, out []float64
		want    float64
	}{
		{"separated", []float64{3, 4, 5}, []float64{0, 1, 2}, 1},
		{"reversed", []float64{0, 1, 2}, []float64{3, 4, 5}, 0},
		{"all tied", []float64{1, 1, 1}, []float64{1, 1}, 0.5},
		{"same scores", []float64{1, 2, 3}, []float64{3, 2, 1}, 0.5},
		// Pairs won by 0.9: 3; by 0.8: 2 and a tie; by 0.4: 1. 6.5 of 9.
		{"hand computed", []float64{0.9, 0.8, 0.4}, []float64{0.5, 0.8, 0.1}, 6.5 / 9},
	}
	for _, c := range cases {
		if got := metrics.AUROC(c.in, c.out); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: AUROC = %.15f, want %.15f", c.name, got, c.want)
		}
	}
}

func TestAUROCMatchesPairCounting(t *testing.T) {
	rng := newRNG(7)
	in, out := make([]float64, 300), make([]float64, 200)
	// Rounded scores give many ties across and within the classes.
	for i := range in {
		in[i] = math.Round(10*rng.NormFloat64()+5) / 10
	}
	for i := range out {
		out[i] = math.Round(10*rng.NormFloat64()) / 10
	}
	if got, want := metrics.AUROC(in, out), pairwiseAUROC(in, out); math.Abs(got-want) > 1e-12 {
		t.Errorf("AUROC = %.15f, counting pairs gives %.15f", got, want)
	}
}

func TestAUROCUndefined(t *testing.T) {
	if got := metrics.AUROC(nil, []float64{1}); !math.IsNaN(got) {
		t.Errorf("no in-scores: %g", got)
	}
	if got := metrics.AUROC([]float64{1, math.NaN()}, []float64{0}); !math.IsNaN(got) {
		t.Errorf("a NaN score: %g", got)
	}
	if got := metrics.AUROC([]float64{math.Inf(1)}, []float64{math.Inf(-1)}); got != 1 {
		t.Errorf("infinite scores: %g, want 1", got)
	}
}
