package classify

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/checkpoint"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// tinyConfig keeps the tests fast: a few filters, a small hidden layer.
func tinyConfig() Config { return Config{Kernel: 5, Conv1: 4, Conv2: 4, Hidden: 16, Seed: 3} }

// squares draws n 28×28 images of class 0–3: a bright 7×7 square in the
// class's quadrant, jittered by up to 3 pixels, over faint noise.
func squares(n int, rng *rand.Rand) data.Images {
	im := data.Images{X: tensor.New(n, data.MNISTPixels), Labels: make([]int, n)}
	for i := range n {
		c := rng.IntN(4)
		im.Labels[i] = c
		row := im.X.Row(i)
		for j := range row {
			row[j] = tensor.Float(0.2 * rng.Float64())
		}
		y0, x0 := 3+14*(c/2)+rng.IntN(4), 3+14*(c%2)+rng.IntN(4)
		for y := y0; y < y0+7; y++ {
			for x := x0; x < x0+7; x++ {
				row[y*data.MNISTSide+x] = 1
			}
		}
	}
	return im
}

// trained returns a tiny classifier fitted to squares, and fresh test images.
func trained(t *testing.T) (*Classifier, data.Images) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	c, err := New(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	opt := TrainOptions{Epochs: 4, Batch: 20, LR: 5e-3, Seed: 1, Progress: func(p Progress) error {
		losses = append(losses, p.Loss)
		if p.Steps != 40 || p.Step != len(losses) || p.EpochEnd != (p.Step%10 == 0) {
			t.Errorf("progress %+v", p)
		}
		return nil
	}}
	if err := c.Train(squares(200, rng), opt); err != nil {
		t.Fatal(err)
	}
	if len(losses) != 40 || !(losses[len(losses)-1] < 0.5*losses[0]) {
		t.Fatalf("losses %v: training did not reduce the loss", losses)
	}
	return c, squares(200, rng)
}

func TestTrainPredictSaveLoad(t *testing.T) {
	c, test := trained(t)
	pred, err := c.Predict(test.X)
	if err != nil {
		t.Fatal(err)
	}
	if acc := Accuracy(pred, test.Labels); acc < 0.95 {
		t.Fatalf("accuracy %.3f on fresh squares, want ≥ 0.95", acc)
	}
	c.Meta["test_accuracy"] = "0.99"
	path := filepath.Join(t.TempDir(), "k.npz")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.Predict(test.X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pred {
		if again[i] != pred[i] {
			t.Fatalf("loaded classifier predicts %d for image %d, the saved one %d", again[i], i, pred[i])
		}
	}
	if back.Meta["test_accuracy"] != "0.99" || back.Step != 40 || back.Config != c.Config {
		t.Fatalf("loaded meta %v step %d config %+v", back.Meta, back.Step, back.Config)
	}
}

// Each channel of a StackedMNIST image is classified on its own; the
// three digits make the label 100·d₀ + 10·d₁ + d₂.
func TestStackedLabels(t *testing.T) {
	c, test := trained(t)
	pred, _ := c.Predict(test.X)
	stacked, err := data.StackedMNIST(test, 50, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.StackedLabels(stacked.X)
	if err != nil {
		t.Fatal(err)
	}
	// Find each channel's source image to know what the classifier says
	// about it on its own.
	own := map[string]int{}
	for i := range test.X.R {
		own[key(test.X.Row(i))] = pred[i]
	}
	for i := range stacked.X.R {
		want := 0
		for ch := range 3 {
			want = 10*want + own[key(stacked.X.Row(i)[ch*data.MNISTPixels:(ch+1)*data.MNISTPixels])]
		}
		if got[i] != want {
			t.Fatalf("image %d: label %d, want %d", i, got[i], want)
		}
	}
	if _, err := c.StackedLabels(tensor.New(2, data.MNISTPixels)); err == nil {
		t.Fatal("StackedLabels accepted 784-value rows")
	}
	if _, err := c.Predict(tensor.New(2, 100)); err == nil {
		t.Fatal("Predict accepted 100-value rows")
	}
}

func key(v []tensor.Float) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteString(string(rune(int(x * 1000))))
	}
	return b.String()
}

func TestTrainRejectsBadInput(t *testing.T) {
	c, err := New(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	good := squares(4, rand.New(rand.NewPCG(1, 1)))
	bad := squares(4, rand.New(rand.NewPCG(1, 1)))
	bad.Labels[2] = 10
	stop := errors.New("stop")
	for name, run := range map[string]func() error{
		"label":  func() error { return c.Train(bad, DefaultTrainOptions()) },
		"epochs": func() error { return c.Train(good, TrainOptions{Batch: 2, LR: 1}) },
		"width": func() error {
			return c.Train(data.Images{X: tensor.New(2, 3), Labels: []int{0, 1}}, DefaultTrainOptions())
		},
		"stop": func() error {
			return c.Train(good, TrainOptions{Epochs: 1, Batch: 2, LR: 1e-3, Progress: func(Progress) error { return stop }})
		},
	} {
		if err := run(); err == nil || name == "stop" && !errors.Is(err, stop) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(Config{Kernel: 10, Conv1: 1, Conv2: 1, Hidden: 1}); err == nil {
		t.Error("New accepted a kernel that leaves no pixel after two convolutions and pools")
	}
}

func TestLoadRejectsOtherCheckpoints(t *testing.T) {
	dir := t.TempDir()
	bigger := tinyConfig()
	bigger.Hidden = 17
	c, _ := New(bigger)
	var arrays []checkpoint.Named
	for _, p := range nn.Params(c) {
		arrays = append(arrays, checkpoint.Matrix(p.Name, p.Value))
	}
	tiny, _ := json.Marshal(tinyConfig())
	cases := map[string]struct {
		ck   *checkpoint.Checkpoint
		want string
	}{
		// The arrays of one architecture under the config of another.
		"shape": {&checkpoint.Checkpoint{Config: tiny, Arrays: arrays}, `array "fc/W"`},
		"array": {&checkpoint.Checkpoint{Config: tiny, Arrays: arrays[1:]}, `"conv1/W"`},
		// A DDAEBM model's checkpoint is not a classifier.
		"model": {&checkpoint.Checkpoint{Config: []byte(`{"data": "mnist", "dim": 784}`), Arrays: arrays}, "not a classifier"},
	}
	for name, c := range cases {
		path := filepath.Join(dir, name+".npz")
		if err := checkpoint.Save(path, c.ck); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %s", name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.npz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A StackedMNIST image's features are its three digits' features side by
// side, in channel order.
func TestStackedFeaturesAreTheChannelsFeatures(t *testing.T) {
	c, err := New(Config{Kernel: 5, Conv1: 2, Conv2: 2, Hidden: 6})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	stacked := tensor.New(2, data.StackedMNISTDim)
	for i := range stacked.Data {
		stacked.Data[i] = tensor.Float(rng.Float64())
	}
	f, err := c.Features(stacked)
	if err != nil {
		t.Fatal(err)
	}
	if f.R != 2 || f.C != 18 {
		t.Fatalf("features %d×%d, want 2×18", f.R, f.C)
	}
	for i := range 2 {
		for ch := range 3 {
			digit := tensor.FromSlice(1, data.MNISTPixels, stacked.Row(i)[ch*data.MNISTPixels:(ch+1)*data.MNISTPixels])
			one, err := c.Features(digit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(one.Data, f.Row(i)[ch*6:(ch+1)*6]) {
				t.Errorf("image %d channel %d: %v, want %v", i, ch, f.Row(i)[ch*6:(ch+1)*6], one.Data)
			}
		}
	}
	if _, err := c.Features(tensor.New(1, 5)); err == nil {
		t.Error("accepted rows of 5 values")
	}
}
