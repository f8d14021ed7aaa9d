package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/npy"
)

// The last thing train prints is metrics.json itself, as JSON.
func TestTrainPrintsMetricsAsJSON(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "run")
	stderr, code := runCmd(bin, append([]string{"-data", "pinwheel", "-iters", "10", "-out", out}, small...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, printed, ok := strings.Cut(stderr, "wrote "+out+"; metrics.json:\n")
	var got, want map[string]any
	if !ok || json.Unmarshal([]byte(printed), &got) != nil {
		t.Fatalf("stderr does not end in metrics.json as JSON:\n%s", stderr)
	}
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(out, "metrics.json"))), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("printed %v, metrics.json holds %v", got, want)
	}
}

// writeData saves rows×cols float32 points: two clusters off the origin.
func writeData(t *testing.T, path string, rows, cols int) []float32 {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 0))
	v := make([]float32, rows*cols)
	for i := range v {
		centre := 2.5
		if (i/cols)%2 == 0 {
			centre = -1
		}
		v[i] = float32(centre + 0.3*rng.NormFloat64())
	}
	if err := npy.WriteFile(path, &npy.Array{Shape: []int{rows, cols}, Dtype: npy.Float32, F32: v}); err != nil {
		t.Fatal(err)
	}
	return v
}

// A 2-D data file gets the toy sets' pictures and the metrics that need no
// known density; data of another dimension gets samples and the MMD.
func TestTrainOnDataFiles(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()

	flat := filepath.Join(dir, "flat.npy")
	points := writeData(t, flat, 300, 2)
	out := filepath.Join(dir, "flat")
	if stderr, code := runCmd(bin, append([]string{"-data", flat, "-iters", "10", "-out", out}, small...)...); code != 0 {
		t.Fatalf("2-D data: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"samples.npy", "samples.png", "density.png", "metrics.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("2-D data: %s missing or empty: %v", f, err)
		}
	}
	m := readMetrics(t, out)
	largest := 0.0
	for _, v := range points {
		largest = max(largest, math.Abs(float64(v)))
	}
	if lim, ok := m["grid_lim"].(float64); !ok || !(lim > largest) {
		t.Errorf("2-D data: grid_lim %v does not cover the data (largest |x| %v)", m["grid_lim"], largest)
	}
	for _, k := range []string{"grid_nll_train", "mmd_train"} {
		if v, ok := m[k].(float64); !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("2-D data: metrics.json %s = %v, want a finite number", k, m[k])
		}
	}

	wide := filepath.Join(dir, "wide.npy")
	writeData(t, wide, 200, 5)
	out = filepath.Join(dir, "wide")
	if stderr, code := runCmd(bin, append([]string{"-data", wide, "-iters", "10", "-out", out}, small...)...); code != 0 {
		t.Fatalf("5-D data: exit %d: %s", code, stderr)
	}
	s, err := npy.ReadFile(filepath.Join(out, "samples.npy"), npy.ReadOptions{})
	if err != nil || len(s.Shape) != 2 || s.Shape[1] != 5 {
		t.Errorf("5-D data: samples.npy %v, %v; want 5 columns", s, err)
	}
	m = readMetrics(t, out)
	if v, ok := m["mmd_train"].(float64); !ok || math.IsNaN(v) || v < 0 {
		t.Errorf("5-D data: metrics.json mmd_train = %v, want a number ≥ 0", m["mmd_train"])
	}
	if _, err := os.Stat(filepath.Join(out, "density.png")); err == nil {
		t.Error("5-D data: wrote a density.png of a 5-D model")
	}
}
