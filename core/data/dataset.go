package data

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Dataset is a data set read from a .npy file.
type Dataset struct {
	// X holds one example per row: N×D for an N×D file, N×(C·H·W) for an
	// N×C×H×W file, each example flattened in C order (channel-major, then
	// rows, then columns).
	X *tensor.Dense
	// Shape is the array's shape as stored: [N, D] or [N, C, H, W].
	Shape []int
	// Dtype is the element type of the file: npy.Float32, npy.Float64 or
	// npy.Uint8.
	Dtype string
}

// ReadDataset reads an N×D or N×C×H×W .npy file of float32, float64 or
// uint8 values. Uint8 values are 8-bit pixels and are divided by 255, so
// that every image data set arrives on the [0, 1] scale the preprocessing
// (Dequantize) expects; floating-point values are taken as they are. The
// file is validated by npy.ReadFile (header, size bounds, truncation);
// on top of that N and every other dimension must be at least 1 and every
// value finite, and representable as a tensor.Float. Errors name the file,
// say what was expected and what was found, and locate a bad value.
func ReadDataset(path string) (*Dataset, error) {
	a, err := npy.ReadFile(path, npy.ReadOptions{})
	if err != nil {
		return nil, err
	}
	d, err := datasetFromArray(a)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return d, nil
}

// DecodeDataset is ReadDataset for a .npy stream, with explicit bounds on
// what the header may claim.
func DecodeDataset(r io.Reader, opt npy.ReadOptions) (*Dataset, error) {
	a, err := npy.Read(r, opt)
	if err != nil {
		return nil, err
	}
	d, err := datasetFromArray(a)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return d, nil
}

func datasetFromArray(a *npy.Array) (*Dataset, error) {
	switch a.Dtype {
	case npy.Float32, npy.Float64, npy.Uint8:
	default:
		return nil, fmt.Errorf("dtype %s is not supported for data sets (want float32, float64 or uint8)", a.Dtype)
	}
	shape := formatShape(a.Shape)
	if r := len(a.Shape); r != 2 && r != 4 {
		return nil, fmt.Errorf("shape %s has rank %d; want N×D (rank 2) or N×C×H×W (rank 4)", shape, r)
	}
	if a.Shape[0] == 0 {
		return nil, fmt.Errorf("shape %s holds no examples (want N ≥ 1)", shape)
	}
	feat := 1
	for _, d := range a.Shape[1:] {
		if d == 0 {
			return nil, fmt.Errorf("shape %s has an empty dimension, so no features per example (want every dimension ≥ 1)", shape)
		}
		feat *= d
	}
	n := a.Shape[0]
	x := tensor.New(n, feat)
	switch a.Dtype {
	case npy.Uint8:
		for i, v := range a.U8 {
			x.Data[i] = pixelScale[v]
		}
	case npy.Float32:
		for i, v := range a.F32 {
			if err := checkFinite(float64(v), a.Shape, i); err != nil {
				return nil, err
			}
			x.Data[i] = tensor.Float(v)
		}
	case npy.Float64:
		for i, v := range a.F64 {
			if err := checkFinite(v, a.Shape, i); err != nil {
				return nil, err
			}
			f := tensor.Float(v)
			if math.IsInf(float64(f), 0) {
				return nil, fmt.Errorf("value %g at %s is outside the range of %T", v, position(a.Shape, i), f)
			}
			x.Data[i] = f
		}
	}
	return &Dataset{X: x, Shape: append([]int(nil), a.Shape...), Dtype: a.Dtype}, nil
}

func checkFinite(v float64, shape []int, i int) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("non-finite value %v at %s (want finite values)", v, position(shape, i))
	}
	return nil
}

// position locates flat element i: its example and feature (the row and
// column of Dataset.X) and, for images, the index in the stored array.
func position(shape []int, i int) string {
	feat := 1
	for _, d := range shape[1:] {
		feat *= d
	}
	s := fmt.Sprintf("example %d, feature %d", i/feat, i%feat)
	if len(shape) == 4 {
		idx := make([]int, 4)
		for k := 3; k >= 0; k-- {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
		s += " (index " + formatShape(idx) + ")"
	}
	return s
}

// formatShape writes a shape as numpy prints it, e.g. (60000, 1, 28, 28).
func formatShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
