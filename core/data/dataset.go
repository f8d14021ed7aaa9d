package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Dataset is a data set read from a .npy file or handed over as an array.
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
	// SHA256 is the hex SHA-256 of the file's bytes (ReadDataset); empty
	// for a Dataset made from an array in memory.
	SHA256 string
}

// ReadDataset reads an N×D or N×C×H×W .npy file by the rules of
// DatasetFromArray. The file is validated by npy.ReadFile (header, size
// bounds, truncation) and hashed in the same pass (Dataset.SHA256). Errors
// name the file, say what was expected and what was found, and locate a bad
// value.
func ReadDataset(path string) (*Dataset, error) {
	h := sha256.New()
	a, err := npy.ReadFile(path, npy.ReadOptions{Digest: h})
	if err != nil {
		return nil, err
	}
	d, err := DatasetFromArray(a)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	d.SHA256 = hex.EncodeToString(h.Sum(nil))
	return d, nil
}

// DecodeDataset is ReadDataset for a .npy stream, with explicit bounds on
// what the header may claim.
func DecodeDataset(r io.Reader, opt npy.ReadOptions) (*Dataset, error) {
	a, err := npy.Read(r, opt)
	if err != nil {
		return nil, err
	}
	d, err := DatasetFromArray(a)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return d, nil
}

// CheckDatasetDtype accepts the element types a data set may have (numpy's
// names): float32 and float64, taken as they are, and uint8, 8-bit pixels
// divided by 255 so that every image data set arrives on the [0, 1] scale
// the preprocessing (Dequantize) expects. Every other type is refused
// rather than converted by a guess: integers may be pixels or plain
// numbers, and only their owner knows which.
func CheckDatasetDtype(dtype string) error {
	switch dtype {
	case npy.Float32, npy.Float64, npy.Uint8:
		return nil
	}
	return fmt.Errorf("dtype %s is not accepted for data sets (want float32 or float64, taken as they are, "+
		"or uint8 8-bit pixels, divided by 255): convert explicitly, x.astype(np.float32), or x / 255 for pixel values", dtype)
}

// DatasetFromArray makes a Dataset of an N×D or N×C×H×W array, the one
// conversion behind every way data enters training (the commands' files,
// Python's files and arrays): the element types of CheckDatasetDtype, N and
// every other dimension at least 1, every value finite and representable as
// a tensor.Float.
func DatasetFromArray(a *npy.Array) (*Dataset, error) {
	if err := CheckDatasetDtype(a.Dtype); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
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
	if err := memlimit.Check(fmt.Sprintf("a data set of %d examples of %d values", n, feat),
		float64(n)*float64(feat)*float64(unsafe.Sizeof(tensor.Float(0)))); err != nil {
		return nil, err
	}
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

// WriteDataset saves d.X, the values training sees, as the .npy file at
// path, in d's shape and in tensor.Float's precision, so that ReadDataset
// gives back the same X bit for bit. It returns the SHA-256 of the file
// (what ReadDataset reports as Dataset.SHA256) and writes only when path
// does not already hold exactly that file; the write is atomic.
func WriteDataset(path string, d *Dataset) (sha string, err error) {
	a := &npy.Array{Shape: d.Shape}
	if tensor.Is64 {
		a.Dtype, a.F64 = npy.Float64, make([]float64, len(d.X.Data))
		for i, v := range d.X.Data {
			a.F64[i] = float64(v)
		}
	} else {
		a.Dtype, a.F32 = npy.Float32, make([]float32, len(d.X.Data))
		for i, v := range d.X.Data {
			a.F32[i] = float32(v)
		}
	}
	h := sha256.New()
	if err := npy.Write(h, a); err != nil {
		return "", fmt.Errorf("data: %s: %w", path, err)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	if old, err := fileSHA256(path); err == nil && old == sha {
		return sha, nil
	}
	return sha, npy.WriteFile(path, a)
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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
