package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/npy"
)

func TestSampleWritesArrayAndPicture(t *testing.T) {
	cfg := ddaebm.DefaultToyConfig("pinwheel")
	cfg.Hidden = 16
	m, _ := ddaebm.New(cfg)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "c.npz")
	if err := m.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.npy")
	if err := run([]string{"-checkpoint", ckpt, "-n", "123", "-out", out, "-png", filepath.Join(dir, "s.png")}); err != nil {
		t.Fatal(err)
	}
	a, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil || a.Shape[0] != 123 || a.Shape[1] != 2 || a.Dtype != npy.Float32 {
		t.Fatalf("samples: %+v %v", a, err)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{}, "-checkpoint is required"},
		{[]string{"-checkpoint", ckpt, "-n", "0"}, "-n must be positive"},
		{[]string{"-checkpoint", ckpt, "-png", "x.jpg"}, ".png"},
		{[]string{"-checkpoint", ckpt, "-bn-stats", "mean"}, "want running or batch"},
		{[]string{"-checkpoint", ckpt, "-device", "gpu"}, "want auto, cpu, cuda or cuda:N"},
	} {
		err := run(c.args)
		var u *cli.UsageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("sample %v: %v", c.args, err)
		}
	}
	batch := filepath.Join(dir, "b.npy")
	if err := run([]string{"-checkpoint", ckpt, "-n", "123", "-bn-stats", "batch", "-out", batch}); err != nil {
		t.Fatal(err)
	}
	if b, err := npy.ReadFile(batch, npy.ReadOptions{}); err != nil || b.Shape[0] != 123 || slices.Equal(b.F32, a.F32) {
		t.Errorf("-bn-stats batch: %+v %v (want 123 samples unlike the running-statistics ones)", b, err)
	}
	// Beyond the machine's memory: a plain error (exit 1), before allocating.
	err = run([]string{"-checkpoint", ckpt, "-n", "2000000000000"})
	var u *cli.UsageError
	if err == nil || errors.As(err, &u) || !strings.Contains(err.Error(), "sampling 2000000000000 points of dimension 2 needs about") {
		t.Errorf("-n 2000000000000: %v", err)
	}
	if err := run([]string{"-checkpoint", filepath.Join(dir, "missing.npz")}); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("missing checkpoint: %v", err)
	}
}

func TestSampleImagesOfAnImageModel(t *testing.T) {
	cfg, err := ddaebm.DefaultImageConfig("", "xs", autograd.Image{H: 8, W: 8, C: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Net.(*unet.Settings)
	s.NF, s.ChMult, s.AttnRes, s.ZEmbed, s.MapLayers, s.EncWidth, s.EncTEmbed = 4, []int{1, 2}, nil, 4, 1, 2, 4
	cfg.ZDim = 3
	m, err := ddaebm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "c.npz")
	if err := m.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	out, pic := filepath.Join(dir, "s.npy"), filepath.Join(dir, "s.png")
	if err := run([]string{"-checkpoint", ckpt, "-n", "7", "-out", out, "-png", pic}); err != nil {
		t.Fatal(err)
	}
	a, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil || !slices.Equal(a.Shape, []int{7, 3, 8, 8}) {
		t.Fatalf("samples: shape %v, %v; want (7, 3, 8, 8)", a.Shape, err)
	}
	if st, err := os.Stat(pic); err != nil || st.Size() == 0 {
		t.Errorf("no grid picture: %v", err)
	}
}
