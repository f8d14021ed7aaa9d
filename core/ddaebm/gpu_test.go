package ddaebm

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/cuda/cudaemu"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The GPU backend runs the same model as the CPU: the same seed gives the
// same losses, weights, samples and energies to rounding, on the host
// emulation of a CUDA device (core/cuda/cudaemu, the project's CUDA C
// kernels compiled for the CPU) everywhere, and on a real GPU where there
// is one (DDAEBM_REQUIRE_GPU=1 makes its absence a failure).

type gpuRuntime struct {
	name string
	rt   cuda.Runtime
}

func gpuRuntimes(t *testing.T) []gpuRuntime {
	t.Helper()
	var out []gpuRuntime
	if os.Getenv("DDAEBM_SKIP_EMULATION") == "" {
		out = append(out, gpuRuntime{"emulated", cudaemu.ForTest(t)})
	}
	if err := cuda.Available(); err != nil {
		if os.Getenv("DDAEBM_REQUIRE_GPU") == "1" {
			t.Fatalf("DDAEBM_REQUIRE_GPU=1 but no GPU: %v", err)
		}
		t.Logf("no GPU, the emulated device only: %v", err)
	} else {
		dev, err := cuda.Open(0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dev.Close() })
		out = append(out, gpuRuntime{"gpu " + dev.Name(), dev})
	}
	if len(out) == 0 {
		t.Skip("no device to compare with")
	}
	return out
}

// closeTo reports whether got matches want to rel of want's largest
// magnitude plus abs (float32 sums run in different orders on the two
// backends).
func closeTo(got, want []float64, rel, abs float64) (int, bool) {
	scale := 1e-6
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= rel*scale+abs) {
			return i, false
		}
	}
	return -1, true
}

func TestToyModelOnTheGPUBackendMatchesTheCPU(t *testing.T) {
	cfg := DefaultToyConfig("8gaussians")
	cfg.Hidden = 16
	points := tensor.FromSlice(3, 2, []tensor.Float{0, 0, 1.5, -2, 3, 3})
	compareBackends(t, cfg, points, 64, func(rng *rand.Rand) *tensor.Dense {
		x, _ := data.Toy("8gaussians", 32, rng)
		return x
	})
}

// The MNIST model (NICE_t energy, convolution-free generator and encoder
// with batch norm) at small widths, on Gaussian stand-ins for logit-space
// images: the same comparison, through the coupling layers' column
// gathers and scatters, exact likelihoods and batch-statistics sampling.
func TestMNISTModelOnTheGPUBackendMatchesTheCPU(t *testing.T) {
	cfg := DefaultMNISTConfig()
	cfg.Hidden, cfg.GenHidden, cfg.ZDim = 8, 8, 4
	stand := func(rng *rand.Rand, n int) *tensor.Dense {
		x := tensor.New(n, cfg.Dim)
		for i := range x.Data {
			x.Data[i] = tensor.Float(rng.NormFloat64())
		}
		return x
	}
	points := stand(rand.New(rand.NewPCG(7, 7)), 3)
	compareBackends(t, cfg, points, 64, func(rng *rand.Rand) *tensor.Dense { return stand(rng, 8) })
}

// The image model (U-Nets with group norm, attention, dropout and
// resampling; the convolutional encoder) at a tiny size: the same
// comparison through every image operation.
func TestImageModelOnTheGPUBackendMatchesTheCPU(t *testing.T) {
	cfg := tinyImageConfig()
	points := randomImages(rand.New(rand.NewPCG(7, 7)), 2, cfg.Dim)
	compareBackends(t, cfg, points, 2, func(rng *rand.Rand) *tensor.Dense { return randomImages(rng, cfg.Batch, cfg.Dim) })
}

// compareBackends trains cfg's model for three steps on the CPU and on
// each GPU runtime from the same seed and batches, then compares losses,
// weights, samples (with both kinds of batch-norm statistics), energies
// at points, exact likelihoods where the energy has them, and a
// checkpoint written on the device and loaded on the CPU.
func compareBackends(t *testing.T, cfg Config, points *tensor.Dense, samples int, batch func(*rand.Rand) *tensor.Dense) {
	rel := 2e-3 // three adversarial steps through penalty gradients in float32
	if float64Build {
		rel = 1e-9
	}
	for _, r := range gpuRuntimes(t) {
		t.Run(r.name, func(t *testing.T) {
			onCPU, onGPU := newModel(t, cfg), newModel(t, cfg)
			be := cuda.NewBackend(r.rt)
			defer be.Close()
			if err := onGPU.UseBackend(be); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 3))
			for step := range 3 {
				x := batch(rng)
				want, err := onCPU.TrainStep(x)
				if err != nil {
					t.Fatal(err)
				}
				got, err := onGPU.TrainStep(x)
				if err != nil {
					t.Fatal(err)
				}
				w := []float64{want.LossE, want.Penalty, want.EnergyGap, want.LossG, want.L2}
				g := []float64{got.LossE, got.Penalty, got.EnergyGap, got.LossG, got.L2}
				if i, ok := closeTo(g, w, rel, 0); !ok {
					t.Fatalf("step %d: losses %v on the device, %v on the CPU (entry %d)", step, g, w, i)
				}
			}
			// Adam turns a gradient of rounding noise (the biases in front
			// of a batch norm, whose exact gradient is zero) into a step of
			// up to about lr either way, whichever backend computes it: the
			// weights agree to rel plus two such steps per iteration.
			slack := 2 * 3 * cfg.LR
			for _, p := range append(onCPU.OptE.Params, onCPU.OptG.Params...) {
				gp := onGPU.paramNamed(p.Name)
				if i, ok := closeTo(onGPU.hostCopy(gp.Value).Float64s(), p.Value.Float64s(), rel, slack); !ok {
					t.Errorf("%s differs after training at element %d: %v on the device, %v on the CPU",
						p.Name, i, onGPU.hostCopy(gp.Value).Data[i], p.Value.Data[i])
				}
			}

			// The same weights sample and score alike on both backends.
			path := filepath.Join(t.TempDir(), "cpu.npz")
			if err := onCPU.Save(path); err != nil {
				t.Fatal(err)
			}
			onGPU, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := onGPU.UseBackend(be); err != nil {
				t.Fatal(err)
			}
			for _, bn := range []BNStats{RunningStats, BatchStats} {
				sCPU, err := onCPU.SampleWith(context.Background(), samples, rand.New(rand.NewPCG(5, 5)), bn)
				if err != nil {
					t.Fatal(err)
				}
				sGPU, err := onGPU.SampleWith(context.Background(), samples, rand.New(rand.NewPCG(5, 5)), bn)
				if err != nil {
					t.Fatal(err)
				}
				if i, ok := closeTo(sGPU.Float64s(), sCPU.Float64s(), rel, 0); !ok {
					t.Errorf("samples (%s statistics) differ at %d: %v on the device, %v on the CPU", bn, i, sGPU.Data[i], sCPU.Data[i])
				}
			}
			eCPU, _ := onCPU.EnergyAt(context.Background(), points, 0)
			eGPU, err := onGPU.EnergyAt(context.Background(), points, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := closeTo(eGPU, eCPU, rel, 0); !ok {
				t.Errorf("energies %v on the device, %v on the CPU", eGPU, eCPU)
			}
			if _, err := onCPU.density(); err == nil {
				llCPU, _ := onCPU.TestLogLikelihood(context.Background(), points)
				llGPU, err := onGPU.TestLogLikelihood(context.Background(), points)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := closeTo([]float64{llGPU.LogitNats}, []float64{llCPU.LogitNats}, rel, 0); !ok {
					t.Errorf("log-likelihood %v on the device, %v on the CPU", llGPU.LogitNats, llCPU.LogitNats)
				}
				fCPU, _ := onCPU.SampleFlow(context.Background(), 4, rand.New(rand.NewPCG(6, 6)))
				fGPU, err := onGPU.SampleFlow(context.Background(), 4, rand.New(rand.NewPCG(6, 6)))
				if err != nil {
					t.Fatal(err)
				}
				if i, ok := closeTo(fGPU.Float64s(), fCPU.Float64s(), rel, 0); !ok {
					t.Errorf("flow samples differ at %d: %v on the device, %v on the CPU", i, fGPU.Data[i], fCPU.Data[i])
				}
			}

			// A checkpoint written on the device loads on the CPU as the
			// same model.
			path = filepath.Join(t.TempDir(), "gpu.npz")
			if err := onGPU.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			eBack, _ := back.EnergyAt(context.Background(), points, 0)
			if _, ok := closeTo(eBack, eGPU, 1e-6, 0); !ok {
				t.Errorf("energies %v after loading on the CPU, %v on the device", eBack, eGPU)
			}
			if back.Step != 3 {
				t.Errorf("loaded at step %d, want 3", back.Step)
			}
		})
	}
}

// paramNamed returns the parameter called name.
func (m *Model) paramNamed(name string) *autograd.Node {
	for _, p := range append(m.OptE.Params, m.OptG.Params...) {
		if p.Name == name {
			return p
		}
	}
	panic("no parameter " + name)
}
