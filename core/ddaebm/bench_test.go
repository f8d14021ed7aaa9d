package ddaebm

import (
	"math/rand/v2"
	"testing"
	"time"

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
	times := make([]float64, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if _, err := m.TrainStep(x); err != nil {
			b.Fatal(err)
		}
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
	}
	// The median, as the PyTorch peer reports it.
	b.ReportMetric(median(times), "ms/iter")
}

// A warm training step allocates almost nothing: its tensors come from the
// arenas, and operations on small matrices stay on the calling goroutine
// (a closure handed to another one would allocate on every call). The
// bound is a count, not a time: steps measured 20.
func TestTrainStepAllocatesLittle(t *testing.T) {
	cfg := DefaultToyConfig("25gaussians")
	cfg.Hidden = 64
	m := newModel(t, cfg)
	x, _ := data.Toy("25gaussians", cfg.Batch, rand.New(rand.NewPCG(1, 1)))
	step := func() {
		if _, err := m.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		step()
	}
	if n := testing.AllocsPerRun(5, step); n > 64 {
		t.Fatalf("a training step made %v allocations, want at most 64", n)
	}
}
