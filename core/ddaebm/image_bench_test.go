package ddaebm

import (
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
)

// The XS image model (docs/IMAGES.md §2.3) at the paper's batch of 64 on
// 32×32×3 images: one whole training iteration (max step with the
// gradient penalty, then the generator and encoder step), on the CPU and
// on CUDA device 0 (scripts/gpu-check.sh).

func imageBench(b *testing.B) (*Model, func() error) {
	b.Helper()
	cfg, err := DefaultImageConfig("", "xs", autograd.Image{H: 32, W: 32, C: 3})
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	x := randomImages(rand.New(rand.NewPCG(1, 1)), cfg.Batch, cfg.Dim)
	return m, func() error { _, err := m.TrainStep(x); return err }
}

func BenchmarkImageTrainStep(b *testing.B) {
	m, step := imageBench(b)
	timeSteps(b, step)
	b.ReportMetric(float64(m.be.(*autograd.CPU).StepElements())*floatBytes/(1<<20), "step-MiB")
}

func BenchmarkImageTrainStepGPU(b *testing.B) {
	m, step := imageBench(b)
	onGPU(b, m)
	timeSteps(b, step)
}
