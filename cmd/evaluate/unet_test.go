package main

import (
	"archive/zip"
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/npy"
)

// unetModel saves an untrained image model with tiny networks for images
// of layout im.
func unetModel(t *testing.T, dir string, im autograd.Image) string {
	t.Helper()
	cfg, err := ddaebm.DefaultImageConfig("", "xs", im)
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
	path := filepath.Join(dir, "unet.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportWritesPNGsAndAnNPZ(t *testing.T) {
	dir := t.TempDir()
	model := unetModel(t, dir, autograd.Image{H: 8, W: 8, C: 3})
	out := filepath.Join(dir, "export")
	if err := exportCmd([]string{"-checkpoint", model, "-n", "7", "-out", out, "-quiet"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "000006.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 8 || b.Dy() != 8 {
		t.Errorf("PNG of %v, want 8×8", b)
	}
	if _, err := os.Stat(filepath.Join(out, "000007.png")); err == nil {
		t.Error("an eighth PNG for -n 7")
	}
	z, err := zip.OpenReader(filepath.Join(out, "images.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) != 1 || z.File[0].Name != "images.npy" {
		t.Fatalf("images.npz holds %v, want images.npy alone", z.File)
	}
	r, err := z.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.Read(r, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, []int{7, 8, 8, 3}) || a.Dtype != npy.Uint8 {
		t.Errorf("images.npz holds %s %v, want uint8 (7, 8, 8, 3)", a.Dtype, a.Shape)
	}
	if err := exportCmd([]string{"-checkpoint", imageModel(t, dir, 4), "-n", "2", "-out", out}); err == nil {
		t.Error("exported a toy model's samples as images")
	}
}

func TestModesOfAnImageModel(t *testing.T) {
	dir := t.TempDir()
	model, classifier := unetModel(t, dir, autograd.Image{H: 32, W: 32, C: 3}), tinyClassifier(t, dir)
	var out bytes.Buffer
	path := filepath.Join(dir, "modes.json")
	if err := modesCmd([]string{"-checkpoint", model, "-classifier", classifier, "-n", "12", "-out", path}, &out); err != nil {
		t.Fatal(err)
	}
	if r := readJSON(t, path); r["n"] != 12.0 || r["modes_covered"].(float64) < 1 || r["space"] != "signed" {
		t.Fatalf("%v", r)
	}
}

func TestFDOfAnImageModel(t *testing.T) {
	dir := t.TempDir()
	model, classifier := unetModel(t, dir, autograd.Image{H: 32, W: 32, C: 3}), tinyClassifier(t, dir)
	var out bytes.Buffer
	path := filepath.Join(dir, "fd.json")
	if err := fdCmd([]string{"-checkpoint", model, "-classifier", classifier, "-n", "20", "-out", path}, &out); err != nil {
		t.Fatal(err)
	}
	r := readJSON(t, path)
	fd, floor := r["fd_classifier"].(float64), r["fd_classifier_floor_train_vs_test"].(float64)
	if r["data"] != "stackedmnist" || r["features"] != 24.0 || !(fd > floor) || !(floor >= 0) {
		t.Fatalf("%v: want StackedMNIST in 3·8 features, an untrained model farther from the test images than training images", r)
	}
	if err := fdCmd([]string{"-checkpoint", model, "-classifier", classifier, "-n", "1"}, &out); err == nil {
		t.Error("accepted -n 1")
	}
}

// The OOD evaluation of an image model: StackedMNIST's test images laid
// out as the model reads them, the standard sets, and an N×C×H×W extra.
func TestOODOfAnImageModel(t *testing.T) {
	dir := t.TempDir()
	model := unetModel(t, dir, autograd.Image{H: 32, W: 32, C: 3})
	extra := filepath.Join(dir, "blank.npy")
	if err := npy.WriteFile(extra, &npy.Array{Shape: []int{5, 3, 28, 28}, Dtype: npy.Uint8, U8: make([]uint8, 5*3*28*28)}); err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(dir, "ood.json")
	var out bytes.Buffer
	err := oodCmd([]string{"-checkpoint", model, "-data", "stackedmnist", "-n", "12", "-extra", "blank=" + extra, "-out", js, "-png", ""}, &out)
	if err != nil {
		t.Fatal(err)
	}
	r := readJSON(t, js)
	auroc := r["auroc"].(map[string]any)
	for _, name := range []string{"blank", "generator", "generator_1step", "inverted"} {
		if v, ok := auroc[name].(float64); !ok || v < 0 || v > 1 {
			t.Errorf("AUROC of %s: %v", name, auroc[name])
		}
	}
	if r["n"] != 12.0 || r["space"] != "signed" {
		t.Errorf("%v", r)
	}
}
