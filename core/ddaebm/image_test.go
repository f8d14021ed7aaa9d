package ddaebm

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// tinyImageConfig is a unet model small enough for tests: 32×32 images
// of one channel (the encoder's size), two levels, attention at 16,
// dropout.
func tinyImageConfig(t testing.TB) Config {
	cfg, err := DefaultImageConfig("", "xs", autograd.Image{H: 32, W: 32, C: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Net.(*unet.Settings)
	s.NF, s.ChMult, s.AttnRes, s.Dropout = 4, []int{1, 2}, []int{16}, 0.1
	s.ZEmbed, s.MapLayers, s.EncWidth, s.EncTEmbed = 4, 1, 2, 4
	cfg.ZDim, cfg.Batch = 3, 4
	return cfg
}

func randomImages(rng *rand.Rand, n, dim int) *tensor.Dense {
	x := tensor.New(n, dim)
	for i := range x.Data {
		x.Data[i] = tensor.Float(2*rng.Float64() - 1)
	}
	return x
}

// A unet model trains (finite losses, moving weights), and its
// configuration, settings included, and weights survive a checkpoint.
func TestImageModelTrainsAndCheckpoints(t *testing.T) {
	cfg := tinyImageConfig(t)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 3 {
		st, err := m.TrainStep(randomImages(rng, cfg.Batch, cfg.Dim))
		if err != nil {
			t.Fatal(err)
		}
		if !finite(st.LossE) || !finite(st.LossG) || !finite(st.Penalty) {
			t.Fatalf("losses %+v", st)
		}
	}
	path := filepath.Join(t.TempDir(), "checkpoint.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(back.Config.JSON()), string(m.Config.JSON()); got != want {
		t.Fatalf("configuration after a checkpoint:\n%s\nwant\n%s", got, want)
	}
	x := randomImages(rng, 3, cfg.Dim)
	e1, err := m.EnergyAt(t.Context(), x, 0)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := back.EnergyAt(t.Context(), x, 0)
	for i := range e1 {
		if e1[i] != e2[i] {
			t.Fatalf("energies %v before and %v after the checkpoint", e1, e2)
		}
	}
	// Scoring has no dropout: the same energies twice.
	again, _ := m.EnergyAt(t.Context(), x, 0)
	for i := range e1 {
		if e1[i] != again[i] {
			t.Fatalf("energies %v, then %v: scoring is not deterministic", e1, again)
		}
	}
	samples, err := m.Sample(t.Context(), 2, rng)
	if err != nil {
		t.Fatal(err)
	}
	if samples.R != 2 || samples.C != cfg.Dim {
		t.Fatalf("samples are %d×%d, want 2×%d", samples.R, samples.C, cfg.Dim)
	}
	for _, v := range samples.Data {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("sample value %v outside [−1, 1] (x̂0 is a tanh; the last step adds no noise)", v)
		}
	}
}
