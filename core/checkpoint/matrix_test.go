package checkpoint

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

func TestMatrixRoundTrip(t *testing.T) {
	d := tensor.FromSlice(2, 3, []tensor.Float{1, -2.5, 3e-7, 4, 5, 6})
	path := filepath.Join(t.TempDir(), "m.npz")
	if err := Save(path, &Checkpoint{Arrays: []Named{Matrix("w", d)}}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := tensor.New(2, 3)
	if err := c.ReadMatrix("w", got); err != nil {
		t.Fatal(err)
	}
	for i := range d.Data {
		if got.Data[i] != d.Data[i] {
			t.Fatalf("element %d: %v, want %v", i, got.Data[i], d.Data[i])
		}
	}
	if err := c.ReadMatrix("w", tensor.New(3, 2)); err == nil || !strings.Contains(err.Error(), "want float32 [3 2]") {
		t.Errorf("wrong shape: %v", err)
	}
	if err := c.ReadMatrix("v", got); err == nil || !strings.Contains(err.Error(), `"v"`) {
		t.Errorf("missing array: %v", err)
	}
}
