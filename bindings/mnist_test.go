package bindings

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/npy"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// tinyMNISTModel is an untrained mnist-nice model small enough for tests.
func tinyMNISTModel(t *testing.T) *Model {
	t.Helper()
	cfg := ddaebm.DefaultMNISTConfig()
	cfg.Hidden, cfg.GenHidden, cfg.ZDim, cfg.Batch = 8, 8, 4, 32
	m, err := NewModel(string(cfg.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// randomPixels is rows×784 pixel values k/255, on the heap.
func randomPixels(rows int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, rows*data.MNISTPixels)
	for i := range x {
		x[i] = float32(rng.IntN(256)) / 255
	}
	return onHeap(x...)
}

func TestMNISTImagesAndLabels(t *testing.T) {
	imgs, err := MNISTImages("test", "")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := imgs.Info()
	if info != `{"dtype":"float32","shape":[10000,784]}` {
		t.Fatalf("test images: %s", info)
	}
	lo, hi := float32(1), float32(0)
	for _, v := range imgs.a.F32 {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
	}
	labels, err := MNISTLabels("test", "")
	if err != nil {
		t.Fatal(err)
	}
	info, _ = labels.Info()
	if info != `{"dtype":"int64","shape":[10000]}` {
		t.Fatalf("test labels: %s", info)
	}
	var seen [10]int
	for _, l := range labels.a.I64 {
		if l < 0 || l > 9 {
			t.Fatalf("label %d", l)
		}
		seen[l]++
	}
	for d, n := range seen {
		if n < 800 {
			t.Errorf("digit %d appears %d times in the test set", d, n)
		}
	}

	_, err = MNISTImages("validation", "")
	wantKind(t, err, KindValue, `split "validation" is not known (want "train" or "test")`)
	_, err = MNISTLabels("Train", "")
	wantKind(t, err, KindValue, `want "train" or "test"`)
	_, err = MNISTImages("test", t.TempDir())
	wantKind(t, err, KindNotFound, "train-images-idx3-ubyte.gz is missing")
}

func TestPreprocessIsTheTestSetOfTrainMNIST(t *testing.T) {
	const rows = 3
	x := randomPixels(rows, 1)
	xa, xn := addrOf(x)
	out := onHeap(make([]float32, len(x))...)
	oa, on := addrOf(out)
	if err := Preprocess(xa, xn, rows, data.MNISTPixels, 7, oa, on); err != nil {
		t.Fatal(err)
	}
	px := tensor.New(rows, data.MNISTPixels)
	for i, v := range x {
		px.Data[i] = tensor.Float(v)
	}
	want := ddaebm.MNISTTestSet(px, 7)
	for i, v := range out {
		if v != float32(want.Data[i]) {
			t.Fatalf("value %d: %v, want %v", i, v, want.Data[i])
		}
	}
	// Clamped: a black pixel maps to at most logit(1e-3 + 1/512).
	if v := out[0]; x[0] == 0 && !(v >= -6.91 && v < -5) {
		t.Errorf("logit of a black pixel: %v", v)
	}

	x[5] = 1.5
	wantKind(t, Preprocess(xa, xn, rows, data.MNISTPixels, 7, oa, on), KindValue, "row 0, column 5 is 1.5; pixel values must lie in [0, 1]")
	x[5] = float32(math.NaN())
	wantKind(t, Preprocess(xa, xn, rows, data.MNISTPixels, 7, oa, on), KindValue, "values must be finite")
	x[5] = 0
	wantKind(t, Preprocess(xa, xn, rows, data.MNISTPixels, 7, oa, on-4), KindValue, "want 2352")
	runtime.KeepAlive(x)
	runtime.KeepAlive(out)
}

func TestOODSets(t *testing.T) {
	names, err := OODSetNames()
	if err != nil {
		t.Fatal(err)
	}
	if names != `["uniform","gaussian","constant","inverted","noise_0.01","noise_0.1","noise_0.5"]` {
		t.Fatalf("OODSetNames = %s", names)
	}
	const rows, cols = 4, 5
	x := onHeap[float32](make([]float32, rows*cols)...)
	for i := range x {
		x[i] = float32(i) / float32(len(x))
	}
	out := onHeap(make([]float32, 7*rows*cols)...)
	xa, xn := addrOf(x)
	oa, on := addrOf(out)
	if err := OODSets(xa, xn, rows, cols, 3, oa, on); err != nil {
		t.Fatal(err)
	}
	px := tensor.New(rows, cols)
	for i, v := range x {
		px.Data[i] = tensor.Float(v)
	}
	for s, set := range data.OODSets(px, rand.New(rand.NewPCG(3, 0))) {
		for i, v := range set.X.Data {
			if out[s*rows*cols+i] != float32(v) {
				t.Fatalf("set %s, value %d: %v, want %v", set.Name, i, out[s*rows*cols+i], v)
			}
		}
	}
	for i, v := range x {
		if got := out[3*rows*cols+i]; got != 1-v {
			t.Fatalf("inverted value %d: %v, want %v", i, got, 1-v)
		}
	}
	wantKind(t, OODSets(xa, xn, rows, cols, 3, oa, on-4), KindValue, "want 140")
	runtime.KeepAlive(x)
	runtime.KeepAlive(out)
}

func TestLogLikelihood(t *testing.T) {
	m := tinyMNISTModel(t)
	const rows = 5
	x := randomPixels(rows, 2)
	xa, xn := addrOf(x)
	report, err := m.LogLikelihood(nil, xa, xn, rows, 11)
	runtime.KeepAlive(x)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]float64
	if err := json.Unmarshal([]byte(report), &r); err != nil {
		t.Fatalf("%s: %v", report, err)
	}
	px := tensor.New(rows, data.MNISTPixels)
	for i, v := range x {
		px.Data[i] = tensor.Float(v)
	}
	want, err := m.m.TestLogLikelihood(context.Background(), ddaebm.MNISTTestSet(px, 11))
	if err != nil {
		t.Fatal(err)
	}
	if r["n"] != rows || r["test_ll_logit_nats"] != want.LogitNats || r["test_ll_pixel_nats"] != want.PixelNats || r["bits_per_dim"] != want.BitsPerDim {
		t.Errorf("LogLikelihood = %s, want %+v", report, want)
	}
	if bpd := -r["test_ll_pixel_nats"]/784/math.Ln2 + 8; math.Abs(bpd-r["bits_per_dim"]) > 1e-9 {
		t.Errorf("bits/dim %v, want %v", r["bits_per_dim"], bpd)
	}

	_, err = m.LogLikelihood(nil, xa, xn-4, rows, 11)
	wantKind(t, err, KindValue, "not 5 float32 rows of the model's dimension 784")
	_, err = m.LogLikelihood(nil, 0, 0, 0, 11)
	wantKind(t, err, KindValue, "at least one image")
	runtime.KeepAlive(x)

	cfg, _ := DefaultToyConfig("pinwheel")
	toy, err := NewModel(strings.Replace(cfg, `"hidden": 300`, `"hidden": 8`, 1))
	if err != nil {
		t.Fatal(err)
	}
	p := onHeap[float32](0.5, 0.5)
	pa, pn := addrOf(p)
	_, err = toy.LogLikelihood(nil, pa, pn, 1, 0)
	wantKind(t, err, KindValue, `a model of type "toy" has none (want one of the families whose energy is a density`)
	runtime.KeepAlive(p)
	var empty Model
	_, err = empty.LogLikelihood(nil, pa, pn, 1, 0)
	wantKind(t, err, KindValue, "empty Model")
}

// OODScores draws from one generator in evaluate ood's order: the OOD sets,
// then the dequantisation of the in-distribution images and of every set.
func TestOODScoresFollowTheCommandsProtocol(t *testing.T) {
	m := tinyMNISTModel(t)
	const rows = 6
	x := randomPixels(rows, 3)
	extra := randomPixels(2, 4)
	xa, xn := addrOf(x)
	ea, en := addrOf(extra)
	n := rows + 7*rows + 2 + 2*rows // in, the OOD sets, the extra, one-step fakes, samples
	out := onHeap(make([]float64, n)...)
	oa, on := addrOf(out)
	if err := m.OODScores(nil, xa, xn, rows, ea, en, "[2]", 9, oa, on); err != nil {
		t.Fatal(err)
	}
	again := onHeap(make([]float64, n)...)
	ga, gn := addrOf(again)
	if err := m.OODScores(nil, xa, xn, rows, ea, en, "[2]", 9, ga, gn); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if out[i] != again[i] || math.IsNaN(out[i]) {
			t.Fatalf("score %d: %v then %v", i, out[i], again[i])
		}
	}

	toDense := func(v []float32, r int) *tensor.Dense {
		d := tensor.New(r, data.MNISTPixels)
		for i, f := range v {
			d.Data[i] = tensor.Float(f)
		}
		return d
	}
	rng := rand.New(rand.NewPCG(9, 0))
	sets := data.OODSets(toDense(x, rows), rng)
	in, err := m.m.EnergyAt(context.Background(), data.Logit(data.Dequantize(toDense(x, rows), rng)), 0)
	if err != nil {
		t.Fatal(err)
	}
	uniform, err := m.m.EnergyAt(context.Background(), data.Logit(data.Dequantize(sets[0].X, rng)), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if out[i] != in[i] || out[rows+i] != uniform[i] {
			t.Fatalf("row %d: scores %v and %v, want %v and %v", i, out[i], out[rows+i], in[i], uniform[i])
		}
	}

	wantKind(t, m.OODScores(nil, xa, xn, rows, ea, en, "[3]", 9, oa, on), KindValue, "want 2352")
	wantKind(t, m.OODScores(nil, xa, xn, rows, ea, en, "[2]", 9, oa, on-8), KindValue, "scores")
	wantKind(t, m.OODScores(nil, xa, xn, rows, ea, en, "[0, 2]", 9, oa, on), KindValue, "extra set 0 has 0 rows")
	wantKind(t, m.OODScores(nil, xa, xn, rows, ea, en, "two", 9, oa, on), KindValue, "JSON list")
	wantKind(t, m.OODScores(nil, xa, xn, 0, ea, en, "[2]", 9, oa, on), KindValue, "at least one")
	runtime.KeepAlive(x)
	runtime.KeepAlive(extra)
	runtime.KeepAlive(out)
	runtime.KeepAlive(again)
}

// Given data, a fresh adversarial MNIST model starts its generator where
// train mnist starts it (MatchGeneratorToSource), once.
func TestUseDatasetMatchesTheMNISTGenerator(t *testing.T) {
	m := tinyMNISTModel(t)
	x := make([]float32, 50*data.MNISTPixels)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	ds, err := data.DatasetFromArray(&npy.Array{Shape: []int{50, data.MNISTPixels}, Dtype: npy.Float32, F32: x})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ddaebm.New(m.m.Config)
	if err != nil {
		t.Fatal(err)
	}
	src, err := ddaebm.NewArraySource(tensor.FromSlice(50, data.MNISTPixels, toFloats(x)))
	if err != nil {
		t.Fatal(err)
	}
	if err := want.MatchGeneratorToSource(src); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second fit must not match again
		fit, err := m.BeginFit("test")
		if err != nil {
			t.Fatal(err)
		}
		if err := fit.UseDataset(&Dataset{d: ds}, ""); err != nil {
			t.Fatal(err)
		}
		fit.End()
	}
	got, ref := nn.Params(m.m.Generator), nn.Params(want.Generator)
	for i := range got {
		if !slices.Equal(got[i].Value.Data, ref[i].Value.Data) {
			t.Fatalf("generator parameter %s differs from a model matched once", got[i].Name)
		}
	}
}

func toFloats(x []float32) []tensor.Float {
	out := make([]tensor.Float, len(x))
	for i, v := range x {
		out[i] = tensor.Float(v)
	}
	return out
}
