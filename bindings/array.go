package bindings

import (
	"encoding/json"
	"fmt"

	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/npy"
)

// Array is an n-dimensional array held by Go: the form in which .npy
// files and training data sets cross to the Go side.
type Array struct {
	a *npy.Array
}

type arrayInfo struct {
	Dtype string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// NewArray copies nbytes at addr into a new Array of the given dtype
// (float32, float64, uint8 or int64) and shape (a JSON list such as
// "[100, 2]"; "[]" for a scalar).
func NewArray(dtype, shapeJSON string, addr uintptr, nbytes int) (a *Array, err error) {
	defer guard(&err)
	arr, err := copyArray(dtype, shapeJSON, addr, nbytes)
	if err != nil {
		return nil, err
	}
	return &Array{arr}, nil
}

// copyArray copies nbytes at addr into a new npy.Array (see NewArray).
func copyArray(dtype, shapeJSON string, addr uintptr, nbytes int) (arr *npy.Array, err error) {
	var shape []int
	if err := json.Unmarshal([]byte(shapeJSON), &shape); err != nil {
		return nil, invalid("array shape %q is not a JSON list of integers", shapeJSON)
	}
	n := 1
	for _, s := range shape {
		if s < 0 {
			return nil, invalid("array shape %v has a negative dimension", shape)
		}
		n *= s
	}
	if err := memlimit.Check(fmt.Sprintf("a copy of a %s array of shape %v", dtype, shape), float64(nbytes)); err != nil {
		return nil, err
	}
	arr = &npy.Array{Shape: shape, Dtype: dtype}
	switch dtype {
	case npy.Float32:
		arr.F32, err = copied[float32](addr, nbytes, n)
	case npy.Float64:
		arr.F64, err = copied[float64](addr, nbytes, n)
	case npy.Uint8:
		arr.U8, err = copied[uint8](addr, nbytes, n)
	case npy.Int64:
		arr.I64, err = copied[int64](addr, nbytes, n)
	default:
		return nil, invalid("dtype %q is not supported (want float32, float64, uint8 or int64)", dtype)
	}
	if err != nil {
		return nil, err
	}
	return arr, nil
}

func copied[T float32 | float64 | uint8 | int64](addr uintptr, nbytes, n int) ([]T, error) {
	src, err := view[T]("array", addr, nbytes, n)
	if err != nil {
		return nil, err
	}
	return append(make([]T, 0, n), src...), nil
}

// ReadNpy reads a .npy file (validated: dtype, shape, header size,
// truncation).
func ReadNpy(path string) (a *Array, err error) {
	defer guard(&err)
	arr, err := npy.ReadFile(path, npy.ReadOptions{})
	if err != nil {
		return nil, err
	}
	return &Array{arr}, nil
}

// Info returns the dtype and shape as JSON: {"dtype": "float32", "shape": [100, 2]}.
func (a *Array) Info() (info string, err error) {
	defer guard(&err)
	if err := a.check(); err != nil {
		return "", err
	}
	shape := a.a.Shape
	if shape == nil {
		shape = []int{} // a scalar: [] rather than null
	}
	b, err := json.Marshal(arrayInfo{a.a.Dtype, shape})
	return string(b), err
}

// CopyTo copies the elements into the buffer at addr, which must hold
// exactly as many bytes.
func (a *Array) CopyTo(addr uintptr, nbytes int) (err error) {
	defer guard(&err)
	if err := a.check(); err != nil {
		return err
	}
	switch a.a.Dtype {
	case npy.Float32:
		err = copyOut(a.a.F32, addr, nbytes)
	case npy.Float64:
		err = copyOut(a.a.F64, addr, nbytes)
	case npy.Uint8:
		err = copyOut(a.a.U8, addr, nbytes)
	case npy.Int64:
		err = copyOut(a.a.I64, addr, nbytes)
	}
	return err
}

func copyOut[T float32 | float64 | uint8 | int64](src []T, addr uintptr, nbytes int) error {
	dst, err := view[T]("destination", addr, nbytes, len(src))
	if err != nil {
		return err
	}
	copy(dst, src)
	return nil
}

// WriteNpy writes the array to path as numpy.save would, atomically.
func (a *Array) WriteNpy(path string) (err error) {
	defer guard(&err)
	if err := a.check(); err != nil {
		return err
	}
	return npy.WriteFile(path, a.a)
}

// check rejects an Array that Python built with its default constructor
// rather than through NewArray or ReadNpy.
func (a *Array) check() error {
	if a == nil || a.a == nil {
		return invalid("empty Array: make one with NewArray or ReadNpy")
	}
	return nil
}
