package ddaebm

import (
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/data"
)

// The GPU versions of BenchmarkTrainStep and BenchmarkNICEEnergyStep, on
// device 0; scripts/gpu-check.sh runs them beside the PyTorch peers on
// the same GPU. Every step reads its losses back, so a step's time
// includes waiting for the device.

func onGPU(b *testing.B, m *Model) {
	b.Helper()
	if err := cuda.Available(); err != nil {
		b.Skip("no GPU: ", err)
	}
	dev, err := cuda.Open(0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dev.Close() })
	if err := m.UseBackend(cuda.NewBackend(dev)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkTrainStepGPU(b *testing.B) {
	m, err := New(DefaultToyConfig("25gaussians"))
	if err != nil {
		b.Fatal(err)
	}
	onGPU(b, m)
	x, _ := data.Toy("25gaussians", 200, rand.New(rand.NewPCG(1, 1)))
	timeSteps(b, func() error { _, err := m.TrainStep(x); return err })
}

func BenchmarkNICEEnergyStepGPU(b *testing.B) {
	m, x := mnistBench(b, false)
	onGPU(b, m)
	s := m.scratch(x.R)
	m.be.Upload(s.x0, x)
	m.drawPairs(s)
	var st StepStats
	timeSteps(b, func() error { return m.maxStep(s, &st) })
}
