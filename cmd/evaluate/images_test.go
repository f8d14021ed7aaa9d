package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/classify"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/npy"
)

// imageModel saves an untrained toy-family model of dimension dim: its
// numbers mean nothing, but every path from data to JSON is exercised.
func imageModel(t *testing.T, dir string, dim int) string {
	t.Helper()
	cfg := ddaebm.DefaultToyConfig("")
	cfg.Dim, cfg.Hidden = dim, 16
	m, err := ddaebm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "model.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// tinyClassifier saves an untrained classifier with a few filters.
func tinyClassifier(t *testing.T, dir string) string {
	t.Helper()
	c, err := classify.New(classify.Config{Kernel: 5, Conv1: 2, Conv2: 2, Hidden: 8})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "classifier.npz")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func mnistTest(t *testing.T) *data.MNIST {
	t.Helper()
	m, err := data.LoadMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func TestClassifierCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.npz")
	var out bytes.Buffer
	err := classifierCmd([]string{"-out", path, "-train-n", "300", "-epochs", "1", "-batch", "50",
		"-conv1", "2", "-conv2", "2", "-hidden", "8", "-lr", "0.01"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "test accuracy") || !strings.Contains(out.String(), "on 300 digits") {
		t.Fatalf("output %q", out.String())
	}
	c, err := classify.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Meta["train_examples"] != "300" || c.Meta["test_accuracy"] == "" || c.Step != 6 {
		t.Fatalf("saved meta %v, step %d", c.Meta, c.Step)
	}
	// Measuring the saved classifier prints the accuracy it was saved with.
	out.Reset()
	if err := classifierCmd([]string{"-classifier", path}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "test accuracy " + c.Meta["test_accuracy"]; !strings.HasPrefix(out.String(), want) {
		t.Fatalf("output %q, want it to start with %q", out.String(), want)
	}
}

func TestModesCommand(t *testing.T) {
	dir := t.TempDir()
	model, classifier := imageModel(t, dir, data.StackedMNISTDim), tinyClassifier(t, dir)
	for _, space := range []string{"auto", "logit"} {
		path := filepath.Join(dir, space+".json")
		var out bytes.Buffer
		if err := modesCmd([]string{"-checkpoint", model, "-classifier", classifier, "-n", "40", "-space", space, "-out", path}, &out); err != nil {
			t.Fatal(err)
		}
		r := readJSON(t, path)
		covered, kl := r["modes_covered"].(float64), r["kl_uniform"].(float64)
		if r["n"] != 40.0 || r["classes"] != 1000.0 || covered < 1 || covered > 40 || kl < 0 || kl > math.Log(1000)+1e-9 {
			t.Fatalf("-space %s: %v", space, r)
		}
		if want := map[string]string{"auto": "pixel", "logit": "logit"}[space]; r["space"] != want {
			t.Fatalf("-space %s: space %v, want %s", space, r["space"], want)
		}
		if !strings.Contains(out.String(), `"modes_covered"`) {
			t.Fatalf("stdout %q", out.String())
		}
	}
}

// Real StackedMNIST covers the 1000 modes evenly: with a classifier of
// 99% accuracy the count must find (nearly) all of them, with a KL to
// uniform near the floor that n samples set. It needs a trained
// classifier, named by DDAEBM_CLASSIFIER (evaluate classifier -out K).
func TestModesOfRealStackedMNIST(t *testing.T) {
	classifier := os.Getenv("DDAEBM_CLASSIFIER")
	if classifier == "" {
		t.Skip("set DDAEBM_CLASSIFIER to a trained classifier (evaluate classifier -out K.npz) to run")
	}
	path := filepath.Join(t.TempDir(), "modes.json")
	var out bytes.Buffer
	if err := modesCmd([]string{"-real", "-classifier", classifier, "-n", "10000", "-out", path}, &out); err != nil {
		t.Fatal(err)
	}
	r := readJSON(t, path)
	t.Logf("real StackedMNIST: %s", out.String())
	covered, kl, floor := r["modes_covered"].(float64), r["kl_uniform"].(float64), r["kl_sampling_floor"].(float64)
	if covered < 995 || kl > 1.5*floor {
		t.Fatalf("real data: %v modes, KL %v (sampling floor %v); want ≥ 995 and ≤ 1.5×floor", covered, kl, floor)
	}
}

func TestModesErrors(t *testing.T) {
	dir := t.TempDir()
	model784, classifier := imageModel(t, dir, data.MNISTPixels), tinyClassifier(t, dir)
	cases := []struct {
		args  []string
		usage bool
		msg   string
	}{
		{[]string{"-classifier", classifier}, true, "-checkpoint"},
		{[]string{"-real", "-checkpoint", model784, "-classifier", classifier}, true, "not both"},
		{[]string{"-checkpoint", model784}, true, "-classifier is required"},
		{[]string{"-checkpoint", model784, "-classifier", classifier}, false, "dimension 784"},
		{[]string{"-checkpoint", model784, "-classifier", filepath.Join(dir, "none.npz")}, false, "no classifier"},
		// A model's checkpoint is not a classifier.
		{[]string{"-checkpoint", model784, "-classifier", model784}, false, "not a classifier"},
		{[]string{"-checkpoint", model784, "-classifier", classifier, "-n", "0"}, true, "-n"},
	}
	for _, c := range cases {
		err := modesCmd(c.args, &bytes.Buffer{})
		var u *cli.UsageError
		if err == nil || errors.As(err, &u) != c.usage || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("modes %v: %v; want a usage error %v mentioning %q", c.args, err, c.usage, c.msg)
		}
	}
}

func TestOODCommand(t *testing.T) {
	dir := t.TempDir()
	model := imageModel(t, dir, data.MNISTPixels)
	blank := filepath.Join(dir, "blank.npy")
	if err := npy.WriteFile(blank, &npy.Array{Shape: []int{30, 784}, Dtype: npy.Uint8, U8: make([]uint8, 30*784)}); err != nil {
		t.Fatal(err)
	}
	want := []string{"uniform", "gaussian", "constant", "inverted", "noise_0.01", "noise_0.1", "noise_0.5", "generator_1step", "generator", "blank"}
	for _, space := range []string{"auto", "logit"} {
		js, png := filepath.Join(dir, space+".json"), filepath.Join(dir, space+".png")
		var out bytes.Buffer
		err := oodCmd([]string{"-checkpoint", model, "-n", "100", "-extra", "blank=" + blank, "-space", space, "-out", js, "-png", png}, &out)
		if err != nil {
			t.Fatal(err)
		}
		r := readJSON(t, js)
		auroc, means := r["auroc"].(map[string]any), r["mean_score"].(map[string]any)
		if len(auroc) != len(want) || r["n"] != 100.0 || r["in_distribution"] != "mnist" || means["mnist"] == nil {
			t.Fatalf("-space %s: %v", space, r)
		}
		for _, name := range want {
			a, ok := auroc[name].(float64)
			if !ok || a < 0 || a > 1 || means[name] == nil || !strings.Contains(out.String(), name) {
				t.Fatalf("-space %s: set %s: AUROC %v, mean %v", space, name, auroc[name], means[name])
			}
		}
		if fi, err := os.Stat(png); err != nil || fi.Size() == 0 {
			t.Fatalf("histogram: %v", err)
		}
	}
}

func TestOODErrors(t *testing.T) {
	dir := t.TempDir()
	model := imageModel(t, dir, data.MNISTPixels)
	narrow := filepath.Join(dir, "narrow.npy")
	npy.WriteFile(narrow, &npy.Array{Shape: []int{3, 10}, Dtype: npy.Float32, F32: make([]float32, 30)})
	wide := filepath.Join(dir, "wide.npy")
	npy.WriteFile(wide, &npy.Array{Shape: []int{3, 784}, Dtype: npy.Float32, F32: make([]float32, 3*784)})
	cases := []struct {
		args  []string
		usage bool
		msg   string
	}{
		{[]string{}, true, "-checkpoint is required"},
		{[]string{"-checkpoint", model, "-extra", "nameless"}, true, "NAME=FILE"},
		{[]string{"-checkpoint", model, "-extra", "x=" + filepath.Join(dir, "none.npy")}, true, "none.npy"},
		{[]string{"-checkpoint", model, "-extra", "narrow=" + narrow, "-n", "10"}, false, "set narrow has 10 values"},
		{[]string{"-checkpoint", model, "-data", narrow}, false, "set data has 10 values"},
		{[]string{"-checkpoint", model, "-space", "rgb"}, true, "-space"},
		{[]string{"-checkpoint", model, "-n", "-1"}, true, "-n"},
		{[]string{"-checkpoint", model, "-extra", "uniform=" + wide, "-data", wide}, false, `two OOD sets are called "uniform"`},
	}
	for _, c := range cases {
		err := oodCmd(append(c.args, "-out", filepath.Join(dir, "o.json"), "-png", ""), &bytes.Buffer{})
		var u *cli.UsageError
		if err == nil || errors.As(err, &u) != c.usage || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ood %v: %v; want a usage error %v mentioning %q", c.args, err, c.usage, c.msg)
		}
	}
}
