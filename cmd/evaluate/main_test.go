package main

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/npy"
)

func checkpoint(t *testing.T) (dir, path string) {
	t.Helper()
	cfg := ddaebm.DefaultToyConfig("25gaussians")
	cfg.Hidden = 16
	m, err := ddaebm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	path = filepath.Join(dir, "checkpoint.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func TestEnergyDensityToyAndCurve(t *testing.T) {
	dir, ckpt := checkpoint(t)
	points := filepath.Join(dir, "points.npy")
	npy.WriteFile(points, &npy.Array{Shape: []int{3, 2}, Dtype: npy.Float64, F64: []float64{0, 0, 1, 1, -1, 0.5}})
	energies := filepath.Join(dir, "e.npy")
	if err := run([]string{"energy", "-checkpoint", ckpt, "-points", points, "-out", energies, "-grid-n", "50"}); err != nil {
		t.Fatal(err)
	}
	e, err := npy.ReadFile(energies, npy.ReadOptions{})
	if err != nil || len(e.Shape) != 1 || e.Shape[0] != 3 {
		t.Fatalf("energies: %v %v", e, err)
	}
	grid := filepath.Join(dir, "grid.npy")
	png := filepath.Join(dir, "d.png")
	if err := run([]string{"density", "-checkpoint", ckpt, "-out", grid, "-png", png, "-grid-n", "40"}); err != nil {
		t.Fatal(err)
	}
	if g, err := npy.ReadFile(grid, npy.ReadOptions{}); err != nil || g.Shape[0] != 40 || g.Shape[1] != 40 {
		t.Fatalf("grid: %v %v", g, err)
	}
	metrics := filepath.Join(dir, "m.json")
	if err := run([]string{"toy", "-checkpoint", ckpt, "-out", metrics, "-n", "300", "-grid-n", "50", "-pictures", dir}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(metrics); !strings.Contains(string(b), "modes_covered") {
		t.Fatalf("metrics: %s", b)
	}
	curve := filepath.Join(dir, "metrics.jsonl")
	os.WriteFile(curve, []byte("{\"iters\": 10, \"grid_nll\": 3.5}\n{\"iters\": 20, \"grid_nll\": 3.1, \"mmd\": 0.01}\n"), 0o644)
	if err := run([]string{"curve", "-metrics", curve, "-png", filepath.Join(dir, "c.png")}); err != nil {
		t.Fatal(err)
	}
}

func TestEvaluateErrors(t *testing.T) {
	dir, ckpt := checkpoint(t)
	bad3 := filepath.Join(dir, "three.npy")
	npy.WriteFile(bad3, &npy.Array{Shape: []int{2, 3}, Dtype: npy.Float32, F32: make([]float32, 6)})
	nan := filepath.Join(dir, "nan.npy")
	npy.WriteFile(nan, &npy.Array{Shape: []int{1, 2}, Dtype: npy.Float32, F32: []float32{0, float32(math.NaN())}})
	garbage := filepath.Join(dir, "garbage.jsonl")
	os.WriteFile(garbage, []byte("not json\n"), 0o644)
	cases := []struct {
		args  []string
		usage bool
		msg   string
	}{
		{nil, true, "no command"},
		{[]string{"fly"}, true, "unknown command"},
		{[]string{"energy", "-checkpoint", ckpt}, true, "-points is required"},
		{[]string{"energy", "-points", bad3}, true, "-checkpoint is required"},
		{[]string{"energy", "-checkpoint", ckpt, "-points", bad3}, false, "3 columns"},
		{[]string{"energy", "-checkpoint", ckpt, "-points", nan}, false, "non-finite"},
		{[]string{"energy", "-checkpoint", filepath.Join(dir, "nope.npz"), "-points", bad3}, false, "no checkpoint"},
		{[]string{"density", "-checkpoint", ckpt, "-grid-n", "1"}, true, "-grid-n"},
		{[]string{"curve", "-metrics", garbage}, false, "line 1"},
		// Sizes beyond the machine's memory: refused before allocating.
		{[]string{"density", "-checkpoint", ckpt, "-grid-n", "1000000"}, false, "1000000×1000000 density grid needs about"},
		{[]string{"toy", "-checkpoint", ckpt, "-n", "1000000000000"}, false, "needs about"},
		{[]string{"toy", "-checkpoint", ckpt, "-grid-n", "1000000"}, false, "needs about"},
	}
	for _, c := range cases {
		err := run(c.args)
		var u *cli.UsageError
		if err == nil || errors.As(err, &u) != c.usage || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("evaluate %v: %v; want a usage error %v mentioning %q", c.args, err, c.usage, c.msg)
		}
	}
}
