package ddaebm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
)

// One whole training iteration of the image model (max step with the
// gradient penalty, then the generator and encoder step) on 32×32×3
// images, for the XS and S presets (docs/IMAGES.md §2.3), on the CPU and
// on CUDA device 0 (scripts/gpu-check.sh). scripts/bench_image.sh times
// the PyTorch peer scripts/torch_image_step.py on the same sizes.

// imageBenchSizes are the presets and batches timed: the paper's batch
// of 64, except S on the CPU, whose iteration at 64 needs about 30 GiB.
var imageBenchSizes = []struct {
	preset        string
	cpuBatch, gpu int
}{{"xs", 64, 64}, {"s", 16, 64}}

func imageBench(b *testing.B, preset string, batch int) (*Model, func() error) {
	b.Helper()
	cfg, err := DefaultImageConfig("", preset, autograd.Image{H: 32, W: 32, C: 3})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Batch = batch
	m, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	x := randomImages(rand.New(rand.NewPCG(1, 1)), cfg.Batch, cfg.Dim)
	return m, func() error { _, err := m.TrainStep(x); return err }
}

func BenchmarkImageTrainStep(b *testing.B) {
	for _, s := range imageBenchSizes {
		b.Run(fmt.Sprintf("%s/batch=%d", s.preset, s.cpuBatch), func(b *testing.B) {
			m, step := imageBench(b, s.preset, s.cpuBatch)
			timeSteps(b, step)
			b.ReportMetric(float64(m.be.(*autograd.CPU).StepElements())*floatBytes/(1<<20), "step-MiB")
		})
	}
}

func BenchmarkImageTrainStepGPU(b *testing.B) {
	for _, s := range imageBenchSizes {
		b.Run(fmt.Sprintf("%s/batch=%d", s.preset, s.gpu), func(b *testing.B) {
			m, step := imageBench(b, s.preset, s.gpu)
			onGPU(b, m)
			timeSteps(b, step)
		})
	}
}
