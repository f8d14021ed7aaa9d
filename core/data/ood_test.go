package data

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The OOD sets are fixed by the seed, in [0, 1], and each what its name says.
func TestOODSets(t *testing.T) {
	in := tensor.New(6, 20)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range in.Data {
		in.Data[i] = tensor.Float(rng.Float64())
	}
	sets := OODSets(in, rand.New(rand.NewPCG(7, 0)))
	again := OODSets(in, rand.New(rand.NewPCG(7, 0)))
	var names []string
	for k, s := range sets {
		names = append(names, s.Name)
		if s.X.R != 6 || s.X.C != 20 {
			t.Fatalf("%s: %v", s.Name, s.X)
		}
		for i, v := range s.X.Data {
			if v < 0 || v > 1 || v != again[k].X.Data[i] {
				t.Fatalf("%s element %d: %v (again %v)", s.Name, i, v, again[k].X.Data[i])
			}
		}
	}
	if got := strings.Join(names, " "); got != "uniform gaussian constant inverted noise_0.01 noise_0.1 noise_0.5" {
		t.Fatalf("sets %s", got)
	}
	for i := range in.Data {
		if sets[3].X.Data[i] != 1-in.Data[i] {
			t.Fatal("inverted is not 1 − x")
		}
		if d := math.Abs(float64(sets[4].X.Data[i] - in.Data[i])); d > 0.06 {
			t.Fatalf("σ = 0.01 moved a pixel by %v", d)
		}
		if row := sets[2].X.Row(i / 20); row[i%20] != row[0] {
			t.Fatal("a constant image is not constant")
		}
	}
}

// With a score whose behaviour is known — closeness to the mean MNIST
// digit — the sets' AUROCs come out as they must: noise and inverted digits
// are far from the mean, a σ = 0.01 perturbation is indistinguishable,
// and a copy of the in-distribution set scores exactly ½.
func TestOODSetsWithKnownScore(t *testing.T) {
	test := loadMNISTForTest(t).Test.X
	in := tensor.FromSlice(500, test.C, test.Data[:500*test.C])
	centre := make([]float64, in.C)
	for i := range in.R {
		for j, v := range in.Row(i) {
			centre[j] += float64(v) / float64(in.R)
		}
	}
	score := func(x *tensor.Dense) []float64 {
		s := make([]float64, x.R)
		for i := range x.R {
			for j, v := range x.Row(i) {
				d := float64(v) - centre[j]
				s[i] -= d * d
			}
		}
		return s
	}
	sets := append(OODSets(in, rand.New(rand.NewPCG(3, 0))), NamedSet{Name: "copy", X: in})
	auroc := map[string]float64{}
	for _, s := range sets {
		auroc[s.Name] = metrics.AUROC(score(in), score(s.X))
	}
	t.Logf("AUROC %v", auroc)
	for name, least := range map[string]float64{"uniform": 0.99, "gaussian": 0.99, "inverted": 0.99, "noise_0.5": 0.95} {
		if auroc[name] < least {
			t.Errorf("%s: AUROC %v, want ≥ %v", name, auroc[name], least)
		}
	}
	if a := auroc["noise_0.01"]; a < 0.4 || a > 0.6 {
		t.Errorf("noise_0.01: AUROC %v, want ≈ ½", a)
	}
	if auroc["copy"] != 0.5 {
		t.Errorf("copy: AUROC %v, want exactly ½", auroc["copy"])
	}
}
