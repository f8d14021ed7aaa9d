package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/classify"
	"github.com/ddaebm/ddaebm/core/npy"
)

// tinyImage shrinks every network of train image: the plumbing, not the model.
var tinyImage = []string{"-nf", "4", "-ch-mult", "1,2", "-res-blocks", "1", "-attn", "16", "-z-embed", "4",
	"-map-layers", "1", "-enc-width", "2", "-enc-temb", "4", "-z-dim", "3", "-batch", "4", "-samples", "5", "-quiet"}

func TestImageTrainsSamplesAndResumes(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "image")
	classifier, err := classify.New(classify.Config{Kernel: 5, Conv1: 2, Conv2: 2, Hidden: 8})
	if err != nil {
		t.Fatal(err)
	}
	counter := filepath.Join(dir, "classifier.npz")
	if err := classifier.Save(counter); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"image", "-data", "stackedmnist", "-iters", "2", "-checkpoint-every", "1", "-eval-every", "1",
		"-eval-n", "6", "-classifier", counter, "-out", out}, tinyImage...)
	if stderr, code := runCmd(bin, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"config.json", "checkpoint.npz", "metrics.json", "samples.npy", "samples.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	s, err := npy.ReadFile(filepath.Join(out, "samples.npy"), npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Shape, []int{5, 3, 32, 32}) {
		t.Errorf("samples.npy has shape %v, want (5, 3, 32, 32)", s.Shape)
	}
	for _, v := range s.F32 {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("sample value %v outside [−1, 1]", v)
		}
	}
	m := readMetrics(t, out)
	if m["iters"].(float64) != 2 || m["n"].(float64) != 6 || m["modes_covered"].(float64) < 1 || m["energy_weights"] != "ema" {
		t.Errorf("metrics %v: want 2 iterations, 6 images scored, modes counted, averaged weights", m)
	}
	if fd, floor := m["fd_classifier"].(float64), m["fd_classifier_floor"].(float64); !(fd > floor && floor > 0) {
		t.Errorf("classifier FD %v with floor %v: want an untrained model's samples farther from the test images than training images are", fd, floor)
	}
	if lines := strings.Count(string(must(os.ReadFile(filepath.Join(out, "metrics.jsonl")))), "\n"); lines != 2 {
		t.Errorf("metrics.jsonl has %d lines, want one per iteration", lines)
	}
	stderr, code := runCmd(bin, "image", "-resume", "-iters", "3", "-out", out, "-quiet")
	if code != 0 || !strings.Contains(stderr, "resuming") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if m := readMetrics(t, out); m["iters"].(float64) != 3 {
		t.Errorf("after the resume: %v iterations, want 3", m["iters"])
	}
	if stderr, code := runCmd(bin, "image", "-resume", "-nf", "8", "-out", out); code != 2 || !strings.Contains(stderr, "-nf") {
		t.Errorf("resume with a new -nf: exit %d: %s", code, stderr)
	}
	if stderr, code := runCmd(bin, "image", "-config", "huge", "-out", filepath.Join(t.TempDir(), "x")); code != 2 || !strings.Contains(stderr, "huge") {
		t.Errorf("-config huge: exit %d: %s", code, stderr)
	}
}
