package ddaebm

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// mnistBench builds the full-size MNIST model of DefaultMNISTConfig
// (objective as given) and a batch of 128 real training images in logit
// space.
func mnistBench(b *testing.B, mle bool) (*Model, *tensor.Dense) {
	mn, err := data.LoadMNIST("")
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultMNISTConfig()
	cfg.MLE = mle
	m, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	src, _ := NewMNISTSource(mn.Train.X)
	x := tensor.New(cfg.Batch, cfg.Dim)
	if err := src.Batch(x, rand.New(rand.NewPCG(1, 1))); err != nil {
		b.Fatal(err)
	}
	return m, x
}

// timeSteps runs step after a few warm-up calls (arenas, optimiser state)
// and reports the median milliseconds per call, as the PyTorch peer
// scripts/torch_nice_step.py does, besides Go's mean and allocations.
func timeSteps(b *testing.B, step func() error) {
	for range 3 {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	var times []float64
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if err := step(); err != nil {
			b.Fatal(err)
		}
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
	}
	b.ReportMetric(median(times), "ms/step")
}

// BenchmarkNICEEnergyStep times one max step of the full-size MNIST model
// at batch 128: fakes from the generator (not recorded), the NICE_t energy
// on real pairs and fakes, the gradient penalty (double backpropagation)
// and the Adam update.
func BenchmarkNICEEnergyStep(b *testing.B) {
	m, x := mnistBench(b, false)
	s := m.scratch(x.R)
	m.be.Upload(s.x0, x)
	m.drawPairs(s)
	var st StepStats
	timeSteps(b, func() error { return m.maxStep(s, &st) })
}

// BenchmarkMNISTTrainStep times one full DDAEBM iteration (max step, then
// the generator and encoder step) of the full-size MNIST model at batch 128.
func BenchmarkMNISTTrainStep(b *testing.B) {
	m, x := mnistBench(b, false)
	timeSteps(b, func() error { _, err := m.TrainStep(x); return err })
}

// BenchmarkNICEMLEStep times one maximum-likelihood step of the full-size
// NICE_t energy at batch 128.
func BenchmarkNICEMLEStep(b *testing.B) {
	m, x := mnistBench(b, true)
	timeSteps(b, func() error { _, err := m.TrainStep(x); return err })
}
