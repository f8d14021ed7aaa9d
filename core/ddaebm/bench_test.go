package ddaebm

import (
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
)

// BenchmarkTrainStep times one full iteration (energy step with the
// gradient penalty, then the generator/encoder step) on the toy networks
// at batch 200: the unit of comparison with bench/torch_toy_step.py.
func BenchmarkTrainStep(b *testing.B) {
	m, err := New(DefaultToyConfig("25gaussians"))
	if err != nil {
		b.Fatal(err)
	}
	x, _ := data.Toy("25gaussians", 200, rand.New(rand.NewPCG(1, 1)))
	for range 20 { // warm the arenas and the optimiser state
		if _, err := m.TrainStep(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.TrainStep(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/iter")
}
