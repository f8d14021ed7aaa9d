package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLabelCoverage(t *testing.T) {
	every := make([]int, 0, 3000)
	for c := 0; c < 1000; c++ {
		every = append(every, c, c, c)
	}
	cases := []struct {
		name    string
		labels  []int
		classes int
		covered int
		kl      float64
	}{
		{"every class equally often", every, 1000, 1000, 0},
		{"one class", []int{7, 7, 7, 7}, 1000, 1, math.Log(1000)},
		// q = (½, ¼, ¼, 0): KL = ½ log 2 + 2·¼ log 1 = ½ log 2.
		{"three of four", []int{0, 0, 1, 2}, 4, 3, 0.5 * math.Log(2)},
		// q = (¾, ¼): KL = ¾ log(3/2) + ¼ log(1/2).
		{"unbalanced pair", []int{1, 1, 0, 1}, 2, 2, 0.75*math.Log(1.5) + 0.25*math.Log(0.5)},
		// Half the classes, each equally: KL = log 2.
		{"half the classes", []int{0, 2, 4, 6, 0, 2, 4, 6}, 8, 4, math.Log(2)},
	}
	for _, c := range cases {
		covered, kl := LabelCoverage(c.labels, c.classes)
		if covered != c.covered || math.Abs(kl-c.kl) > 1e-12 {
			t.Errorf("%s: covered %d, KL %.15g; want %d, %.15g", c.name, covered, kl, c.covered, c.kl)
		}
	}
	if covered, kl := LabelCoverage(nil, 10); covered != 0 || !math.IsNaN(kl) {
		t.Errorf("no labels: %d, %v; want 0, NaN", covered, kl)
	}
}

func TestLabelCoverageRejectsBadLabels(t *testing.T) {
	for name, f := range map[string]func(){
		"negative":   func() { LabelCoverage([]int{0, -1}, 10) },
		"too large":  func() { LabelCoverage([]int{10}, 10) },
		"no classes": func() { LabelCoverage([]int{0}, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("accepted")
				}
			}()
			f()
		})
	}
}

// Labels drawn from an exactly uniform distribution score, on average,
// the floor UniformKLFloor gives.
func TestUniformKLFloor(t *testing.T) {
	const classes, n, runs = 1000, 10000, 40
	rng := rand.New(rand.NewPCG(1, 1))
	labels := make([]int, n)
	var mean float64
	for range runs {
		for i := range labels {
			labels[i] = rng.IntN(classes)
		}
		_, kl := LabelCoverage(labels, classes)
		mean += kl / runs
	}
	floor := UniformKLFloor(classes, n)
	if math.Abs(mean-floor) > 0.05*floor {
		t.Errorf("mean KL of uniform labels %.5f, floor %.5f", mean, floor)
	}
}
