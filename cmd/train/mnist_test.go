package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
)

// Tiny networks and short runs: the command's plumbing, not the model.
var tinyMNIST = []string{"-hidden", "8", "-gen-hidden", "8", "-batch", "32", "-eval-n", "200", "-samples", "12", "-quiet"}

func readMetrics(t *testing.T, dir string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(dir, "metrics.json"))), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMNISTTrainsScoresAndResumes(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "ddaebm")
	args := append([]string{"mnist", "-iters", "6", "-eval-every", "3", "-checkpoint-every", "3", "-out", out}, tinyMNIST...)
	if stderr, code := runCmd(bin, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"config.json", "checkpoint.npz", "metrics.json", "metrics.jsonl", "samples.npy", "samples.png", "flow_samples.npy", "flow_samples.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	m := readMetrics(t, out)
	if m["iters"].(float64) != 6 || m["n"].(float64) != 10000 {
		t.Errorf("metrics %v: want 6 iterations scored on the 10000 test digits", m)
	}
	// Logit-space log-likelihoods of 784 dimensions are in the thousands
	// of nats; bits/dim follows from the pixel-space value.
	ll, px, bpd := m["test_ll_logit_nats"].(float64), m["test_ll_pixel_nats"].(float64), m["bits_per_dim"].(float64)
	if !(ll < 0) || !(bpd > 0) || math.Abs(bpd-(-px/784/math.Ln2+8)) > 1e-9 {
		t.Errorf("test LL %v nats, %v pixel-space nats, %v bits/dim", ll, px, bpd)
	}
	if lines := strings.Count(string(must(os.ReadFile(filepath.Join(out, "metrics.jsonl")))), "\n"); lines != 2 {
		t.Errorf("metrics.jsonl has %d lines, want 2", lines)
	}

	stderr, code := runCmd(bin, "mnist", "-resume", "-iters", "8", "-out", out, "-eval-n", "200", "-quiet")
	if code != 0 || !strings.Contains(stderr, "resuming") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if m := readMetrics(t, out); m["iters"].(float64) != 8 {
		t.Errorf("resumed run ended at %v iterations, want 8", m["iters"])
	}
	if stderr, code := runCmd(bin, "mnist", "-resume", "-out", out, "-lr", "1e-3"); code != 2 || !strings.Contains(stderr, "-lr") {
		t.Errorf("resume with -lr: exit %d, %q", code, stderr)
	}
}

// The maximum-likelihood baseline trains only the NICE energy: exact
// samples, no generator samples.
func TestMNISTMaximumLikelihood(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "mle")
	if stderr, code := runCmd(bin, append([]string{"mnist", "-mle", "-iters", "5", "-out", out}, tinyMNIST...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "flow_samples.png")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(out, "samples.npy")); err == nil {
		t.Error("the MLE baseline wrote generator samples")
	}
	if m := readMetrics(t, out); !strings.Contains(m["objective"].(string), "maximum likelihood") {
		t.Errorf("objective %v", m["objective"])
	}
}

// StackedMNIST: 2352-dimensional images, scored on stacked test digits,
// samples drawn as a colour grid.
func TestStackedMNIST(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "stacked")
	if stderr, code := runCmd(bin, append([]string{"mnist", "-data", "stackedmnist", "-iters", "2", "-out", out}, tinyMNIST...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var cfg map[string]any
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(out, "config.json"))), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["data"] != "stackedmnist" || cfg["dim"].(float64) != 2352 {
		t.Errorf("config data %v, dim %v", cfg["data"], cfg["dim"])
	}
	m := readMetrics(t, out)
	if bpd := m["bits_per_dim"].(float64); !(bpd > 0) || math.Abs(bpd-(-m["test_ll_pixel_nats"].(float64)/2352/math.Ln2+8)) > 1e-9 {
		t.Errorf("metrics %v", m)
	}
	f, err := os.Open(filepath.Join(out, "samples.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 10*30 || b.Dy() != 2*30 {
		t.Errorf("samples.png is %v, want 10×2 images of 28 pixels with a border of 1", b)
	}
	if stderr, code := runCmd(bin, "mnist", "-data", "cifar", "-out", out); code != 2 || !strings.Contains(stderr, "stackedmnist") {
		t.Errorf("unknown -data: exit %d, %q", code, stderr)
	}
}

func TestMNISTUsageErrors(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	toy := filepath.Join(dir, "toy")
	if stderr, code := runCmd(bin, append([]string{"-iters", "3", "-out", toy}, small...)...); code != 0 {
		t.Fatalf("toy run: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"mnist", "-preset", "gpu", "-out", dir}, "-preset"},
		{[]string{"mnist", "-gen-hidden", "0", "-out", dir}, "gen-hidden"},
		{[]string{"mnist", "-epochs", "-1", "-out", dir}, "-epochs"},
		{[]string{"mnist", "-resume", "-out", toy}, "not on the logit-space MNIST"},
	} {
		if stderr, code := runCmd(bin, c.args...); code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("train %v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, stderr, c.msg)
		}
	}
}

// train mnist -resume continues with the run's settings: its length
// (-iters, -epochs or -preset, as one), evaluations, samples, batch-norm
// statistics and MNIST directory, except those given again.
func TestMNISTResumeRestoresRunSettings(t *testing.T) {
	bin := binary(t)
	mnistDir, err := data.MNISTDir("")
	if err != nil {
		t.Skip(err)
	}
	wd, _ := os.Getwd()
	relDir, err := filepath.Rel(wd, mnistDir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"mnist", "-hidden", "8", "-gen-hidden", "8", "-batch", "32", "-iters", "4", "-eval-every", "2",
		"-checkpoint-every", "2", "-eval-n", "200", "-samples", "12", "-bn-stats", "batch", "-mnist-dir", relDir, "-quiet", "-out", out}
	if stderr, code := runCmd(bin, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := map[string]any{"preset": "cpu", "epochs": 0.0, "iters": 4.0, "checkpoint-every": 2.0, "eval-every": 2.0,
		"eval-n": 200.0, "samples": 12.0, "bn-stats": "batch", "mnist-dir": mnistDir}
	if run := readJSON(t, filepath.Join(out, "config.json"))["run"]; !reflect.DeepEqual(run, want) {
		t.Fatalf("config.json run settings %v, want %v", run, want)
	}

	if stderr, code := runCmd(bin, "mnist", "-resume", "-iters", "6", "-out", out); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if got := metricsIters(t, out); !slices.Equal(got, []float64{2, 4, 6}) {
		t.Fatalf("metrics.jsonl holds iterations %v, want 2, 4, 6 (-eval-every 2 restored)", got)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(filepath.Join(out, "metrics.jsonl"))))), "\n") {
		if !strings.Contains(line, `"n":200`) {
			t.Errorf("metrics row %s: want 200 test digits (-eval-n restored)", line)
		}
	}
	if n := writtenSamples(t, out); n != 12 {
		t.Fatalf("samples.npy has %d rows, want 12 (-samples restored)", n)
	}

	// -epochs given: the length restored from -iters gives way to it.
	epochs := fmt.Sprint(8.0 / 1875) // an epoch is 60000/32 = 1875 iterations of batch 32
	if stderr, code := runCmd(bin, "mnist", "-resume", "-epochs", epochs, "-out", out); code != 0 {
		t.Fatalf("resume with -epochs: exit %d: %s", code, stderr)
	}
	if m := readMetrics(t, out); m["iters"].(float64) != 8 {
		t.Fatalf("resumed with -epochs %s: ended at %v iterations, want 8", epochs, m["iters"])
	}
	want["iters"], want["epochs"] = 0.0, 8.0/1875
	if run := readJSON(t, filepath.Join(out, "config.json"))["run"]; !reflect.DeepEqual(run, want) {
		t.Errorf("after resuming with -epochs: run settings %v, want %v", run, want)
	}
}
