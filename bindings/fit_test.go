package bindings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/npy"
)

func tinyToyModel(t *testing.T) *Model {
	t.Helper()
	cfg := ddaebm.DefaultToyConfig("25gaussians")
	cfg.Hidden, cfg.Batch = 8, 16
	m, err := NewModel(string(cfg.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func modelConfig(t *testing.T, m *Model) ddaebm.Config {
	t.Helper()
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Config ddaebm.Config }
	if err := json.Unmarshal([]byte(info), &v); err != nil {
		t.Fatal(err)
	}
	return v.Config
}

// A Fit owns the model's training from BeginFit to End: a second one is
// refused, saying which call holds the model, and cannot change its data;
// calls that only read the model are served meanwhile.
func TestFitOwnsTheModel(t *testing.T) {
	m := tinyToyModel(t)
	stats := onHeap(make([]float64, StatsPerStep*3)...)
	sa, sn := addrOf(stats)
	a, err := m.BeginFit("fit('25gaussians', 3000) in thread 'A'")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.UseToy("25gaussians"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Train(nil, 3, 10, sa, sn); err != nil {
		t.Fatal(err)
	}

	_, err = m.BeginFit("fit(array) in thread 'B'")
	wantKind(t, err, KindBusy, "the model is busy: fit('25gaussians', 3000) in thread 'A' has been training it since ")

	out := onHeap(make([]float32, 2*4)...)
	oa, on := addrOf(out)
	if err := m.Sample(nil, 4, 1, oa, on); err != nil {
		t.Errorf("sampling while a fit holds the model: %v", err)
	}
	if err := m.Save(filepath.Join(t.TempDir(), "c.npz")); err != nil {
		t.Errorf("saving while a fit holds the model: %v", err)
	}
	if _, err := a.Train(nil, 3, 10, sa, sn); err != nil {
		t.Fatal(err)
	}
	if cfg := modelConfig(t, m); cfg.Data != "25gaussians" {
		t.Errorf("the fit's data became %q", cfg.Data)
	}

	if err := a.End(); err != nil {
		t.Fatal(err)
	}
	_, err = a.Train(nil, 3, 10, sa, sn)
	wantKind(t, err, KindValue, "this fit has ended")
	wantKind(t, a.UseToy("pinwheel"), KindValue, "this fit has ended")
	b, err := m.BeginFit("fit(array) in thread 'B'")
	if err != nil {
		t.Fatalf("after End, another fit begins: %v", err)
	}
	if err := a.End(); err != nil { // ending twice does not end b
		t.Fatal(err)
	}
	if _, err := m.BeginFit("third"); err == nil {
		t.Error("a Fit's second End released the model from the next Fit")
	}
	b.End()
	runtime.KeepAlive(stats)
	runtime.KeepAlive(out)
}

// Data reaches a Fit by the conversion the train command applies to its
// files; the model's configuration names the file the data lives in,
// absolute, with its SHA-256.
func TestUseDatasetRecordsItsFile(t *testing.T) {
	m := tinyToyModel(t)
	fit, err := m.BeginFit("test")
	if err != nil {
		t.Fatal(err)
	}
	defer fit.End()
	dir := t.TempDir()

	pixels := onHeap[uint8](0, 51, 102, 255)
	pa, pn := addrOf(pixels)
	ds, err := NewDataset("uint8", "[2, 2]", pa, pn)
	runtime.KeepAlive(pixels)
	if err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "run", "data.npy")
	if err := os.Mkdir(filepath.Dir(keep), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fit.UseDataset(ds, keep); err != nil {
		t.Fatal(err)
	}
	kept, err := data.ReadDataset(keep)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := modelConfig(t, m); cfg.Data != keep || cfg.DataSHA256 != kept.SHA256 {
		t.Errorf("config data %q (SHA-256 %s), want %q (%s)", cfg.Data, cfg.DataSHA256, keep, kept.SHA256)
	}
	if v := kept.X.Data; v[1] != 0.2 || v[3] != 1 {
		t.Errorf("kept %v, want the pixels divided by 255", v)
	}

	// A file read as it is: the configuration names it, absolute.
	file := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(file, &npy.Array{Shape: []int{3, 2}, Dtype: npy.Float64, F64: []float64{1, 2, 3, 4, 5, 6}}); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, file)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := ReadDataset(rel)
	if err != nil {
		t.Fatal(err)
	}
	if err := fit.UseDataset(fromFile, ""); err != nil {
		t.Fatal(err)
	}
	if cfg := modelConfig(t, m); cfg.Data != file || cfg.DataSHA256 != fromFile.d.SHA256 || cfg.DataSHA256 == "" {
		t.Errorf("config data %q (SHA-256 %q), want %q and the file's hash", cfg.Data, cfg.DataSHA256, file)
	}
	if err := fit.UseToy("pinwheel"); err != nil {
		t.Fatal(err)
	}
	if cfg := modelConfig(t, m); cfg.Data != "pinwheel" || cfg.DataSHA256 != "" {
		t.Errorf("config data %q (SHA-256 %q) after a toy set", cfg.Data, cfg.DataSHA256)
	}

	ints := onHeap[int64](1, 2, 3, 4)
	ia, in := addrOf(ints)
	_, err = NewDataset("int64", "[2, 2]", ia, in)
	wantKind(t, err, KindValue, "training data: dtype int64 is not accepted for data sets")
	runtime.KeepAlive(ints)
	_, err = NewDataset("int32", "[2, 2]", 0, 0) // refused before any memory is read
	wantKind(t, err, KindValue, "dtype int32 is not accepted")
	wide := onHeap[float32](1, 2, 3)
	wa, wn := addrOf(wide)
	ds3, err := NewDataset("float32", "[1, 3]", wa, wn)
	runtime.KeepAlive(wide)
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, fit.UseDataset(ds3, ""), KindValue, "training data has 3 values per example, the model has dimension 2")
	if err := os.WriteFile(file, []byte("not numpy"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadDataset(file)
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("damaged file: %v", err)
	}
}
