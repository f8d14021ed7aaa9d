package bindings

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/cuda/cudaemu"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/memlimit"
)

// failingCopies is a device whose copies fail once failing is set.
type failingCopies struct {
	cuda.Runtime
	failing atomic.Bool
}

func (r *failingCopies) CopyHtoD(dst cuda.Ptr, src unsafe.Pointer, bytes int) error {
	if r.failing.Load() {
		return errors.New("injected copy failure")
	}
	return r.Runtime.CopyHtoD(dst, src, bytes)
}

func (r *failingCopies) CopyDtoH(dst unsafe.Pointer, src cuda.Ptr, bytes int) error {
	if r.failing.Load() {
		return errors.New("injected copy failure")
	}
	return r.Runtime.CopyDtoH(dst, src, bytes)
}

// onFailingDevice moves m to an emulated device whose copies then fail.
func onFailingDevice(t *testing.T, m *Model) {
	t.Helper()
	rt := &failingCopies{Runtime: cudaemu.ForTest(t)}
	if err := m.m.UseBackend(cuda.NewBackend(rt)); err != nil {
		t.Fatal(err)
	}
	m.placed = true
	rt.failing.Store(true)
}

// A failing device reaches Python as ddaebm.Error with the device's
// message from every computing method, never as results.
func TestDeviceFailuresReachPython(t *testing.T) {
	toyCfg := ddaebm.DefaultToyConfig("8gaussians")
	toyCfg.Hidden, toyCfg.Batch = 8, 16
	toy, err := NewModel(string(toyCfg.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	onFailingDevice(t, toy)
	points := onHeap[float32](0, 0, 1, 1)
	pa, pn := addrOf(points)
	energies := onHeap(make([]float64, 2)...)
	ea, en := addrOf(energies)
	samples := onHeap(make([]float32, 2*5)...)
	sa, sn := addrOf(samples)
	grid := onHeap(make([]float64, 16)...)
	ga, gn := addrOf(grid)
	stats := onHeap(make([]float64, StatsPerStep)...)
	ta, tn := addrOf(stats)
	fit, err := toy.BeginFit("the test's fit")
	if err != nil {
		t.Fatal(err)
	}
	defer fit.End()
	if err := fit.UseToy("8gaussians"); err != nil {
		t.Fatal(err)
	}
	mn := tinyMNISTModel(t)
	onFailingDevice(t, mn)
	pixels := randomPixels(3, 1)
	xa, xn := addrOf(pixels)
	scores := onHeap(make([]float64, 3*(len(oodNames())+3))...)
	oa, on := addrOf(scores)

	for name, err := range map[string]error{
		"Sample":        toy.Sample(nil, 5, 1, sa, sn),
		"Energy":        toy.Energy(nil, pa, pn, 2, 0, ea, en),
		"DensityGrid":   second(toy.DensityGrid(nil, 3, 4, ga, gn)),
		"GridNLL":       second(toy.GridNLL(nil, 3, 4, pa, pn, 2)),
		"EvaluateToy":   second(toy.EvaluateToy(nil, "8gaussians", 10, 20, 20, 1)),
		"Train":         second(fit.Train(nil, 1, 1, ta, tn)),
		"Save":          toy.Save(filepath.Join(t.TempDir(), "c.npz")),
		"LogLikelihood": second(mn.LogLikelihood(nil, xa, xn, 3, 1)),
		"OODScores":     mn.OODScores(nil, xa, xn, 3, 0, 0, "[]", 1, oa, on),
	} {
		wantKind(t, err, KindError, "injected copy failure")
		t.Logf("%s: %v", name, err)
	}
	runtime.KeepAlive(points)
	runtime.KeepAlive(energies)
	runtime.KeepAlive(samples)
	runtime.KeepAlive(grid)
	runtime.KeepAlive(stats)
	runtime.KeepAlive(pixels)
	runtime.KeepAlive(scores)
}

func second[T any](_ T, err error) error { return err }

// Sizes that do not fit reach Python as TooLargeError (a MemoryError)
// before anything is allocated, from a configuration, a checkpoint's
// configuration or a call's arguments.
func TestSizesThatDoNotFitReachPython(t *testing.T) {
	t.Setenv(memlimit.EnvVar, "1G")
	cfg := ddaebm.DefaultToyConfig("25gaussians")
	cfg.Hidden = 1_000_000
	_, err := NewModel(string(cfg.JSON()))
	wantKind(t, err, KindTooLarge, "hidden 1000000")

	cfg.Hidden = 8
	m, err := NewModel(string(cfg.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.EvaluateToy(nil, "25gaussians", 1_000_000, 10, 10, 1)
	wantKind(t, err, KindTooLarge, "1000000×1000000 density grid")
	_, err = m.EvaluateToy(nil, "25gaussians", 10, 1_000_000_000_000, 10, 1)
	wantKind(t, err, KindTooLarge, "1000000000000 test points")
	err = Toy("25gaussians", 1_000_000_000_000, 1, 0, 0)
	wantKind(t, err, KindTooLarge, "1000000000000 points")
	if !strings.Contains(err.Error(), memlimit.EnvVar) {
		t.Errorf("%v does not name %s", err, memlimit.EnvVar)
	}
}

// A panic inside a model's lock releases it: the deferred unlock runs
// before guard recovers the panic, so the model's next call proceeds.
func TestPanicInsideAModelsLockReleasesIt(t *testing.T) {
	cfg := ddaebm.DefaultToyConfig("8gaussians")
	cfg.Hidden = 8
	broken := &Model{mu: new(sync.Mutex), m: &ddaebm.Model{Config: cfg}} // no networks: sampling panics
	out := onHeap(make([]float32, 2*3)...)
	oa, on := addrOf(out)
	wantKind(t, broken.Sample(nil, 3, 1, oa, on), KindPanic, "nil pointer")
	runtime.KeepAlive(out)
	done := make(chan error, 1)
	go func() { _, err := broken.Info(); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the model's lock was still held after the panic")
	}
}
