package ddaebm

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/checkpoint"
	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/cuda/cudaemu"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// What every public computing method owes its caller beyond the numbers:
// a failing device is an error, never zeros that look like results; a
// cancelled context stops it between chunks; sizes that do not fit in
// memory are refused before anything is allocated.

// smallToy and smallMNIST are fast configurations of the two families.
func smallToy() Config {
	cfg := DefaultToyConfig("8gaussians")
	cfg.Hidden, cfg.Batch = 8, 16
	return cfg
}

func smallMNIST() Config {
	cfg := DefaultMNISTConfig()
	cfg.Hidden, cfg.GenHidden, cfg.ZDim, cfg.Batch = 8, 8, 4, 16
	return cfg
}

// entryPoint is one public computing method, called on a model.
type entryPoint struct {
	name string
	cfg  func() Config
	call func(ctx context.Context, m *Model) error
}

func entryPoints(t *testing.T) []entryPoint {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }
	toyPoints, _ := data.Toy("8gaussians", 300, rng())
	pixels := tensor.New(20, data.MNISTPixels)
	for i := range pixels.Data {
		pixels.Data[i] = tensor.Float(rng().Float64())
	}
	logits := MNISTTestSet(pixels, 1)
	discard := func(_ any, err error) error { return err }
	return []entryPoint{
		{"SampleWith running", smallToy, func(ctx context.Context, m *Model) error {
			return discard(m.SampleWith(ctx, 5000, rng(), RunningStats))
		}},
		{"SampleWith batch", smallToy, func(ctx context.Context, m *Model) error {
			return discard(m.SampleWith(ctx, 5000, rng(), BatchStats))
		}},
		{"EnergyAt", smallToy, func(ctx context.Context, m *Model) error { return discard(m.EnergyAt(ctx, toyPoints, 0)) }},
		{"OneStepFakes", smallToy, func(ctx context.Context, m *Model) error {
			return discard(m.OneStepFakes(ctx, toyPoints, rng(), RunningStats))
		}},
		{"DensityGrid", smallToy, func(ctx context.Context, m *Model) error { return discard(m.DensityGrid(ctx, 4, 120)) }},
		{"EvaluateToy", smallToy, func(ctx context.Context, m *Model) error {
			opt := DefaultToyEval("8gaussians")
			opt.GridN, opt.TestN, opt.SampleN = 50, 200, 200
			return discard(m.EvaluateToy(ctx, opt))
		}},
		{"TestLogLikelihood", smallMNIST, func(ctx context.Context, m *Model) error {
			return discard(m.TestLogLikelihood(ctx, logits))
		}},
		{"SampleFlow", smallMNIST, func(ctx context.Context, m *Model) error { return discard(m.SampleFlow(ctx, 20, rng())) }},
		{"ScoreOOD", smallMNIST, func(ctx context.Context, m *Model) error {
			return discard(m.ScoreOOD(ctx, "mnist", pixels, nil, data.LogitSpace, BatchStats, rng()))
		}},
		{"Save", smallToy, func(_ context.Context, m *Model) error {
			return m.Save(filepath.Join(t.TempDir(), "checkpoint.npz"))
		}},
		{"TrainStep", smallToy, func(_ context.Context, m *Model) error {
			x, _ := data.Toy("8gaussians", 16, rng())
			return discard(m.TrainStep(x))
		}},
		{"TrainStep image", tinyImageConfig, func(_ context.Context, m *Model) error {
			return discard(m.TrainStep(randomImages(rng(), 4, m.Config.Dim)))
		}},
		{"Sample image", tinyImageConfig, func(ctx context.Context, m *Model) error { return discard(m.Sample(ctx, 3, rng())) }},
	}
}

// faultyRuntime is a device whose copies fail once failing is set.
type faultyRuntime struct {
	cuda.Runtime
	failing atomic.Bool
}

var errInjected = errors.New("injected copy failure")

func (r *faultyRuntime) CopyHtoD(dst cuda.Ptr, src unsafe.Pointer, bytes int) error {
	if r.failing.Load() {
		return errInjected
	}
	return r.Runtime.CopyHtoD(dst, src, bytes)
}

func (r *faultyRuntime) CopyDtoH(dst unsafe.Pointer, src cuda.Ptr, bytes int) error {
	if r.failing.Load() {
		return errInjected
	}
	return r.Runtime.CopyDtoH(dst, src, bytes)
}

func TestDeviceFailuresAreErrorsNotResults(t *testing.T) {
	emu := cudaemu.ForTest(t)
	for _, e := range entryPoints(t) {
		t.Run(e.name, func(t *testing.T) {
			m := newModel(t, e.cfg())
			rt := &faultyRuntime{Runtime: emu}
			if err := m.UseBackend(cuda.NewBackend(rt)); err != nil {
				t.Fatal(err)
			}
			rt.failing.Store(true)
			err := e.call(context.Background(), m)
			if !errors.Is(err, errInjected) {
				t.Fatalf("a device whose copies fail: error %v, want the device's", err)
			}
		})
	}
}

func TestLongCallsStopWhenCancelled(t *testing.T) {
	for _, e := range entryPoints(t) {
		if e.name == "Save" || strings.HasPrefix(e.name, "TrainStep") { // not long: they take no context
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			m := newModel(t, e.cfg())
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := e.call(ctx, m); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled before the call: error %v, want %v", err, context.Canceled)
			}
		})
	}
	// Cancelled while running: a sample of a million points stops at the
	// next chunk, long before it would end.
	m := newModel(t, DefaultToyConfig("8gaussians"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	t0 := time.Now()
	_, err := m.SampleWith(ctx, 1_000_000, rand.New(rand.NewPCG(1, 1)), RunningStats)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while sampling: error %v", err)
	}
	t.Logf("a million-point sample stopped %v after it started, cancelled at 50ms", time.Since(t0).Round(time.Millisecond))
}

func TestSizesAreRefusedBeforeAllocation(t *testing.T) {
	t.Setenv(memlimit.EnvVar, "2G")
	huge := 1_000_000_000_000
	configs := map[string]func(*Config){
		"hidden":     func(c *Config) { c.Hidden = 1_000_000 },
		"z-dim":      func(c *Config) { c.ZDim = huge },
		"T":          func(c *Config) { c.T = huge },
		"dim":        func(c *Config) { c.Dim = huge },
		"gen-hidden": func(c *Config) { *c = smallMNIST(); c.GenHidden = 1_000_000 },
	}
	for name, change := range configs {
		cfg := smallToy()
		change(&cfg)
		_, err := New(cfg)
		wantTooLarge(t, "New with a huge "+name, err)
	}
	// A batch is memory only when training.
	cfg := smallToy()
	cfg.Batch = huge
	m := newModel(t, cfg)
	_, err := m.Train(context.Background(), &ToySource{"8gaussians"}, TrainOptions{Iters: 1})
	wantTooLarge(t, "Train with a huge batch", err)
	_, err = m.TrainStep(tensor.FromSlice(huge, 0, nil))
	if err == nil {
		t.Error("TrainStep took a batch of no columns")
	}

	m = newModel(t, smallToy())
	_, err = m.SampleWith(context.Background(), 2_000_000_000_000, rand.New(rand.NewPCG(1, 1)), RunningStats)
	wantTooLarge(t, "sampling 2e12 points", err)
	_, err = m.DensityGrid(context.Background(), 4, 1_000_000)
	wantTooLarge(t, "a 10⁶×10⁶ grid", err)
	opt := DefaultToyEval("8gaussians")
	opt.TestN = huge
	_, err = m.EvaluateToy(context.Background(), opt)
	wantTooLarge(t, "evaluating on 10¹² test points", err)
	_, err = data.Toy("8gaussians", huge, rand.New(rand.NewPCG(1, 1)))
	wantTooLarge(t, "10¹² toy points", err)
	mn := newModel(t, smallMNIST())
	_, err = mn.SampleFlow(context.Background(), huge, rand.New(rand.NewPCG(1, 1)))
	wantTooLarge(t, "10¹² flow samples", err)

	// The same sizes that fit are accepted.
	if _, err := m.DensityGrid(context.Background(), 4, 30); err != nil {
		t.Errorf("a 30×30 grid: %v", err)
	}
}

func wantTooLarge(t *testing.T, what string, err error) {
	t.Helper()
	var tl *memlimit.TooLargeError
	if !errors.As(err, &tl) {
		t.Errorf("%s: error %v, want a memlimit.TooLargeError", what, err)
		return
	}
	if !strings.Contains(err.Error(), "needs about") {
		t.Errorf("%s: message %q", what, err)
	}
}

// stepBytes bounds what a training step takes, without being so loose
// that it refuses what fits: measured against the step memory of the
// first steps (the arena keeps its peak).
func TestStepMemoryEstimate(t *testing.T) {
	wide := DefaultToyConfig("25gaussians")
	wide.Hidden, wide.Batch = 1000, 100
	mnist := smallMNIST()
	mnist.Hidden, mnist.GenHidden, mnist.Batch = 200, 128, 64
	images := tinyImageConfig()
	images.Batch = 8
	for _, cfg := range []Config{DefaultToyConfig("25gaussians"), wide, mnist, images} {
		m := newModel(t, cfg)
		x := randomMatrix(rand.New(rand.NewPCG(1, 2)), cfg.Batch, cfg.Dim)
		for range 2 {
			if _, err := m.TrainStep(x); err != nil {
				t.Fatal(err)
			}
		}
		measured := float64(m.be.(*autograd.CPU).StepElements()) * floatBytes
		estimate := cfg.stepBytes(cfg.Batch)
		t.Logf("%s hidden %d batch %d: step memory %s, estimate %s", cfg.Model, cfg.Hidden, cfg.Batch,
			memlimit.FormatBytes(measured), memlimit.FormatBytes(estimate))
		if !(estimate >= measured && estimate <= 6*measured) {
			t.Errorf("%s hidden %d batch %d: the estimate %s does not bound the measured %s within 6×",
				cfg.Model, cfg.Hidden, cfg.Batch, memlimit.FormatBytes(estimate), memlimit.FormatBytes(measured))
		}
	}
}

// Sampling keeps one step's values at a time: its memory does not grow
// with T (a T of thousands once needed T steps' activations per chunk).
func TestSamplingMemoryDoesNotGrowWithT(t *testing.T) {
	held := func(T int) int {
		cfg := DefaultToyConfig("25gaussians")
		cfg.T = T
		m := newModel(t, cfg)
		if _, err := m.Sample(context.Background(), chunkRows, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		return m.be.(*autograd.CPU).StepElements()
	}
	if short, long := held(2), held(64); long != short {
		t.Errorf("sampling %d chains holds %d values of step memory with T = 2 and %d with T = 64", chunkRows, short, long)
	}
}

// A checkpoint is sized by its configuration before its arrays are read:
// a valid file whose configuration asks for a huge model is refused, not
// allocated.
func TestLoadRefusesAHugeConfiguration(t *testing.T) {
	cfg := smallToy()
	cfg.Hidden = 1_000_000
	path := filepath.Join(t.TempDir(), "checkpoint.npz")
	if err := checkpoint.Save(path, &checkpoint.Checkpoint{Step: 1, Config: cfg.JSON()}); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	wantTooLarge(t, "loading a checkpoint of hidden 10⁶", err)
	if !strings.Contains(err.Error(), path) {
		t.Errorf("%v does not name the checkpoint", err)
	}
}
