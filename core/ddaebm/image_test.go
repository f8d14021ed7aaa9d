package ddaebm

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// tinyImageConfig is a unet model small enough for tests: 8×8 images of
// two channels, two levels, attention at 4, dropout.
func tinyImageConfig() Config {
	cfg, err := DefaultImageConfig("", "xs", autograd.Image{H: 8, W: 8, C: 2})
	if err != nil {
		panic(err) // the preset exists
	}
	s := cfg.Net.(*unet.Settings)
	s.NF, s.ChMult, s.AttnRes, s.Dropout = 4, []int{1, 2}, []int{4}, 0.1
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
	cfg := tinyImageConfig()
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

// An N×C×H×W uint8 file arrives as 32×32 pixel-major rows in [0, 1]
// (28×28 padded by 2), and the source serves them in [−1, 1], flipped
// left to right about half the time.
func TestImageDataFromAFileAndFlips(t *testing.T) {
	const n, c, side = 3, 2, 28
	a := &npy.Array{Shape: []int{n, c, side, side}, Dtype: npy.Uint8, U8: make([]uint8, n*c*side*side)}
	for i := range a.U8 {
		a.U8[i] = uint8(i % 251)
	}
	path := filepath.Join(t.TempDir(), "images.npy")
	if err := npy.WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
	d, err := LoadImageData(path, "", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if d.Image != (autograd.Image{H: 32, W: 32, C: c}) || d.Pad != 2 || d.Train.R != n || d.Test != nil {
		t.Fatalf("layout %+v, pad %d, %d training rows, test %v", d.Image, d.Pad, d.Train.R, d.Test)
	}
	// Channel 1, row 0, column 5 of image 0 is pixel (2, 7) of the padded image.
	if got, want := d.Train.At(0, (2*32+7)*c+1), tensor.Float(a.U8[side*side+5])/255; math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("pixel: %v, want %v", got, want)
	}
	src, err := NewImageSource(d, true)
	if err != nil {
		t.Fatal(err)
	}
	batch := tensor.New(400, d.Image.Size())
	if err := src.Batch(batch, rand.New(rand.NewPCG(3, 3))); err != nil {
		t.Fatal(err)
	}
	flipped := 0
	for i := range batch.R {
		row := batch.Row(i)
		for j, v := range row {
			if v < -1 || v > 1 {
				t.Fatalf("value %v outside [−1, 1] at %d", v, j)
			}
		}
		// Find the image and whether it is flipped: compare with each
		// image as it is and mirrored.
		for k := range n {
			want := data.SignedSpace.FromPixels(tensor.FromSlice(1, d.Train.C, d.Train.Row(k)), nil).Data
			if slices.Equal(row, want) {
				break
			}
			if slices.Equal(row, mirror(want, d.Image)) {
				flipped++
				break
			}
			if k == n-1 {
				t.Fatalf("row %d is no training image, plain or mirrored", i)
			}
		}
	}
	if flipped < 150 || flipped > 250 {
		t.Errorf("%d of 400 images flipped, want about half", flipped)
	}
	if _, err := LoadImageData(filepath.Join(t.TempDir(), "x.txt"), "", 1, 2); err == nil {
		t.Error("accepted a file that is not .npy")
	}
}

func mirror(row []tensor.Float, im autograd.Image) []tensor.Float {
	out := make([]tensor.Float, len(row))
	for y := range im.H {
		for x := range im.W {
			copy(out[(y*im.W+im.W-1-x)*im.C:][:im.C], row[(y*im.W+x)*im.C:][:im.C])
		}
	}
	return out
}

// The release's L2 (Config.L2 = L2ReleaseMSE) is the encoder's KL at the
// real pair plus the squared error of the prior-z prediction's posterior
// mean, computed here from the networks' outputs by hand.
func TestReleaseL2(t *testing.T) {
	cfg := DefaultToyConfig("8gaussians")
	cfg.Hidden, cfg.Batch, cfg.L2 = 8, 6, L2ReleaseMSE
	m := newModel(t, cfg)
	rng := rand.New(rand.NewPCG(2, 3))
	xk, xk1 := randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2)
	z, noise, eps := randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2)
	k := []int{0, 1, 2, 3, 0, 1}
	g := autograd.NewGraph()
	var st StepStats
	m.generatorLoss(g, g.Const(xk), g.Const(xk1), k, g.Const(z), g.Const(noise), g.Const(eps), &st)
	x0 := g.HostValue(m.Generator.Forward(g, g.Const(xk1), g.Const(z), k, true))
	mu, lv := m.Encoder.Forward(g, g.Const(xk), g.Const(xk1), k, true)
	mu, lv = g.Const(g.HostValue(mu)), g.Const(g.HostValue(lv))
	var want float64
	s := m.Schedule
	for i := range 6 {
		for j := range 2 {
			mean := s.PostC1[k[i]]*float64(x0.At(i, j)) + s.PostC2[k[i]]*float64(xk1.At(i, j))
			d := float64(xk.At(i, j)) - mean
			m, l := float64(mu.Value.At(i, j)), float64(lv.Value.At(i, j))
			want += d*d + 0.5*(math.Exp(l)+m*m-1-l)
		}
	}
	want /= 6
	if math.Abs(st.L2-want) > 1e-4*max(1, math.Abs(want)) {
		t.Errorf("L2 = %v, want %v", st.L2, want)
	}
	cfg.L2 = "eq20"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "eq20") {
		t.Errorf("an unknown l2 form: %v", err)
	}
}

// The cosine schedule starts at lr, passes the midpoint halfway and holds
// lr-min after its last step; the optimisers use it.
func TestCosineLearningRate(t *testing.T) {
	cfg := DefaultToyConfig("8gaussians")
	cfg.Hidden, cfg.Batch, cfg.LR, cfg.LRMin, cfg.CosineIters = 8, 8, 1e-3, 1e-5, 4
	for step, want := range map[int64]float64{0: 1e-3, 2: (1e-3 + 1e-5) / 2, 4: 1e-5, 9: 1e-5} {
		if got := cfg.learningRate(step); math.Abs(got-want) > 1e-12 {
			t.Errorf("step %d: lr %v, want %v", step, got, want)
		}
	}
	m := newModel(t, cfg)
	x := randomMatrix(rand.New(rand.NewPCG(1, 1)), 8, 2)
	for range 3 {
		if _, err := m.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	if want := cfg.learningRate(2); m.OptE.LR != want || m.OptG.LR != want {
		t.Errorf("after 3 steps the optimisers use %v and %v, want %v", m.OptE.LR, m.OptG.LR, want)
	}
	cfg.LRMin = 2e-3
	if err := cfg.Validate(); err == nil {
		t.Error("accepted lr-min above lr")
	}
}
