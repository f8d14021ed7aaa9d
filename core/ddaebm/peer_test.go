package ddaebm

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// TestToyStepMatchesPyTorch computes both losses of one toy iteration and
// their gradients with respect to every parameter, and the same with the
// independent PyTorch implementation scripts/torch_toy_train.py, at the
// same weights (a checkpoint; at initialisation and after 100 iterations)
// and the same random draws. The two must
// agree to float32 rounding: any difference in the networks, the
// schedule, the penalty, the loss weights or the floor shows here as the
// tensor that differs. It needs a python with torch, given as PEER_PYTHON
// (scripts/peer.sh prints one); without it the test is skipped.
func TestToyStepMatchesPyTorch(t *testing.T) {
	python := os.Getenv("PEER_PYTHON")
	if python == "" {
		t.Skip("PEER_PYTHON is not set: no PyTorch to compare one toy step with (see scripts/peer.sh)")
	}
	cfg := DefaultToyConfig("8gaussians")
	cfg.Seed = 7
	m := newModel(t, cfg)
	t.Run("initial weights", func(t *testing.T) { stepMatchesPyTorch(t, python, m) })
	// Trained weights: PReLU slopes away from 0.25, energies of a real
	// scale, batch norms of trained features.
	src, _ := NewToySource(cfg.Data)
	if _, err := m.Train(context.Background(), src, TrainOptions{Iters: 100}); err != nil {
		t.Fatal(err)
	}
	t.Run("after 100 iterations", func(t *testing.T) { stepMatchesPyTorch(t, python, m) })
}

func stepMatchesPyTorch(t *testing.T, python string, m *Model) {
	cfg := m.Config
	dir := t.TempDir()
	if err := m.Save(filepath.Join(dir, "init.npz")); err != nil {
		t.Fatal(err)
	}

	// One step's inputs, written for PyTorch.
	const b = 64
	rng := rand.New(rand.NewPCG(1, 2))
	x0, err := data.Toy("8gaussians", b, rng)
	if err != nil {
		t.Fatal(err)
	}
	k := make([]int, b)
	kArray := &npy.Array{Shape: []int{b}, Dtype: npy.Int64, I64: make([]int64, b)}
	for i := range k {
		k[i] = i % cfg.T // every step, several times
		kArray.I64[i] = int64(k[i])
	}
	g := m.graph
	xkNode, xk1Node := m.Schedule.Pair(g, g.Const(x0), k, rng.Uint64(), rng.Uint64())
	draws := map[string]*tensor.Dense{"xk": xkNode.Value.Clone(), "xk1": xk1Node.Value.Clone()}
	for _, d := range []struct {
		name string
		cols int
	}{{"z_max", cfg.ZDim}, {"noise_max", cfg.Dim}, {"z", cfg.ZDim}, {"noise", cfg.Dim}, {"eps", cfg.ZDim}} {
		v := tensor.New(b, d.cols)
		for i := range v.Data {
			v.Data[i] = tensor.Float(rng.NormFloat64())
		}
		draws[d.name] = v
	}
	for name, v := range draws {
		writeFloat32(t, filepath.Join(dir, name+".npy"), v)
	}
	if err := npy.WriteFile(filepath.Join(dir, "k.npy"), kArray); err != nil {
		t.Fatal(err)
	}

	// Go: the max-step loss on fakes from (z_max, noise_max), then the
	// min-step loss, both at the initial weights.
	g.Reset()
	prev := g.SetRecord(false)
	fake := m.generate(g, g.Const(draws["xk1"]), k, g.Const(draws["z_max"]), g.Const(draws["noise_max"]))
	g.SetRecord(prev)
	fakeValue := fake.Value.Clone()
	var st StepStats
	lossE := m.energyLoss(g, draws["xk"], draws["xk1"], fakeValue, k, energyExtras{}, &st)
	m.OptE.ZeroGrad()
	g.Backward(lossE, m.OptE.Params)
	g.Reset()
	c := func(name string) *autograd.Node { return g.Const(draws[name]) }
	lossG := m.generatorLoss(g, c("xk"), c("xk1"), k, c("z"), c("noise"), c("eps"), &st)
	m.OptG.ZeroGrad()
	g.Backward(lossG, m.OptG.Params)
	g.Reset()

	cmd := exec.Command(python, filepath.Join("..", "..", "scripts", "torch_toy_train.py"), "check", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}

	var peer map[string]float64
	raw, err := os.ReadFile(filepath.Join(dir, "torch", "losses.json"))
	if err == nil {
		err = json.Unmarshal(raw, &peer)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		name string
		got  float64
	}{{"loss_e", st.LossE}, {"penalty", st.Penalty}, {"loss_g", st.LossG}, {"l2", st.L2}} {
		if want := peer[l.name]; math.Abs(l.got-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: Go %.7g, PyTorch %.7g", l.name, l.got, want)
		}
	}
	read := func(file string) []float64 {
		t.Helper()
		a, err := npy.ReadFile(filepath.Join(dir, "torch", file), npy.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return a.ToFloat64()
	}
	// compare allows float32 rounding relative to the tensor's norm
	// (summation orders differ), and at least relative to floor: the
	// biases in front of a batch norm have a gradient of exactly zero,
	// which both sides compute as rounding noise of the loss's other
	// gradients.
	compare := func(name string, got *tensor.Dense, want []float64, floor float64) {
		t.Helper()
		if len(want) != len(got.Data) {
			t.Fatalf("%s: PyTorch has %d values, Go %d", name, len(want), len(got.Data))
		}
		diff, norm, worst, at := 0.0, 0.0, 0.0, 0
		for i, w := range want {
			d := float64(got.Data[i]) - w
			diff += d * d
			norm += w * w
			if math.Abs(d) > worst {
				worst, at = math.Abs(d), i
			}
		}
		diff, norm = math.Sqrt(diff), math.Sqrt(norm)
		if diff > 1e-4*math.Max(norm, floor) {
			t.Errorf("%s differs from PyTorch's: relative error %.2g of the norm %.3g; most at %d: Go %.6g, PyTorch %.6g",
				name, diff/norm, norm, at, got.Data[at], want[at])
		}
	}
	compare("the max step's fakes", fakeValue, read("fake.npy"), 0)
	for _, params := range [][]*autograd.Node{m.OptE.Params, m.OptG.Params} {
		want := make([][]float64, len(params))
		largest := 0.0
		for i, p := range params {
			want[i] = read(strings.ReplaceAll(p.Name, "/", "__") + ".npy")
			norm := 0.0
			for _, w := range want[i] {
				norm += w * w
			}
			largest = math.Max(largest, math.Sqrt(norm))
		}
		for i, p := range params {
			compare(p.Name+"'s gradient", p.Grad, want[i], 1e-3*largest)
		}
	}
}

// writeFloat32 writes v as a float32 .npy matrix, whatever the build's
// precision.
func writeFloat32(t *testing.T, path string, v *tensor.Dense) {
	t.Helper()
	a := &npy.Array{Shape: []int{v.R, v.C}, Dtype: npy.Float32, F32: make([]float32, len(v.Data))}
	for i, x := range v.Data {
		a.F32[i] = float32(x)
	}
	if err := npy.WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
}
