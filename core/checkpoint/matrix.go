package checkpoint

import (
	"fmt"
	"math"

	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Matrix names a copy of d for a checkpoint, in d's own precision
// (float32, or float64 in the f64 build) so that loading restores it bit
// for bit.
func Matrix(name string, d *tensor.Dense) Named {
	a := &npy.Array{Shape: []int{d.R, d.C}}
	if tensor.Is64 {
		a.Dtype, a.F64 = npy.Float64, make([]float64, len(d.Data))
		for i, v := range d.Data {
			a.F64[i] = float64(v)
		}
	} else {
		a.Dtype, a.F32 = npy.Float32, make([]float32, len(d.Data))
		for i, v := range d.Data {
			a.F32[i] = float32(v)
		}
	}
	return Named{Name: name, Array: a}
}

// ReadMatrix copies the array called name into d, which fixes the shape
// the array must have. Every value must be finite in d's precision: the
// checksums only show that a file is as written, and a NaN or ±Inf weight
// or optimiser moment, once loaded, turns every output into NaN.
func (c *Checkpoint) ReadMatrix(name string, d *tensor.Dense) error {
	a, err := c.Get(name)
	if err != nil {
		return err
	}
	if len(a.Shape) != 2 || a.Shape[0] != d.R || a.Shape[1] != d.C || (a.Dtype != npy.Float32 && a.Dtype != npy.Float64) {
		return fmt.Errorf("checkpoint: array %q is %s %v, want float32 [%d %d]", name, a.Dtype, a.Shape, d.R, d.C)
	}
	for i, v := range a.ToFloat64() {
		d.Data[i] = tensor.Float(v)
		if f := float64(d.Data[i]); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("checkpoint: array %q holds %v at row %d, column %d; its values must be finite %T numbers", name, v, i/d.C, i%d.C, d.Data[i])
		}
	}
	return nil
}
