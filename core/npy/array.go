package npy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Element types, as stored in Array.Dtype.
const (
	Float32 = "float32"
	Float64 = "float64"
	Uint8   = "uint8"
	Int64   = "int64"
)

// Array is an n-dimensional array in row-major order. Exactly one of the data
// fields is set, the one matching Dtype; its length is the product of Shape
// (1 for a 0-dimensional array, whose Shape is empty).
type Array struct {
	Shape []int
	Dtype string
	F32   []float32
	F64   []float64
	U8    []uint8
	I64   []int64
}

// dtypeInfo ties a Dtype to its on-disk form. descr is what Write emits;
// Read also accepts the aliases in parseDescr.
type dtypeInfo struct {
	name  string
	descr string
	size  int
}

var dtypes = []dtypeInfo{
	{Float32, "<f4", 4},
	{Float64, "<f8", 8},
	{Uint8, "|u1", 1},
	{Int64, "<i8", 8},
}

func lookupDtype(name string) (dtypeInfo, bool) {
	for _, d := range dtypes {
		if d.name == name {
			return d, true
		}
	}
	return dtypeInfo{}, false
}

// Len reports the number of elements held, which for a valid array equals
// the product of Shape.
func (a *Array) Len() int {
	switch a.Dtype {
	case Float32:
		return len(a.F32)
	case Float64:
		return len(a.F64)
	case Uint8:
		return len(a.U8)
	case Int64:
		return len(a.I64)
	}
	return 0
}

// Validate checks that Dtype is supported, that Shape has no negative
// dimensions and that the data field for Dtype holds exactly as many elements
// as Shape requires while the other data fields are empty.
func (a *Array) Validate() error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

func (a *Array) validate() error {
	if _, ok := lookupDtype(a.Dtype); !ok {
		return fmt.Errorf("unsupported dtype %q (supported: %s)", a.Dtype, supportedNames())
	}
	n, err := elementCount(a.Shape)
	if err != nil {
		return err
	}
	lens := map[string]int{Float32: len(a.F32), Float64: len(a.F64), Uint8: len(a.U8), Int64: len(a.I64)}
	if int64(lens[a.Dtype]) != n {
		return fmt.Errorf("shape %s needs %d elements but the %s data has %d", formatShape(a.Shape), n, a.Dtype, lens[a.Dtype])
	}
	for _, d := range dtypes {
		if d.name != a.Dtype && lens[d.name] != 0 {
			return fmt.Errorf("dtype is %s but %s data is also set (%d elements)", a.Dtype, d.name, lens[d.name])
		}
	}
	return nil
}

// ToFloat32 returns the elements converted to float32 in a new slice (never
// aliasing the array's own data). Float64 and int64 values lose precision
// outside float32's range or mantissa.
func (a *Array) ToFloat32() []float32 {
	out := make([]float32, a.Len())
	switch a.Dtype {
	case Float32:
		copy(out, a.F32)
	case Float64:
		for i, v := range a.F64 {
			out[i] = float32(v)
		}
	case Uint8:
		for i, v := range a.U8 {
			out[i] = float32(v)
		}
	case Int64:
		for i, v := range a.I64 {
			out[i] = float32(v)
		}
	}
	return out
}

// ToFloat64 returns the elements converted to float64 in a new slice (never
// aliasing the array's own data). Int64 values beyond 2^53 lose precision.
func (a *Array) ToFloat64() []float64 {
	out := make([]float64, a.Len())
	switch a.Dtype {
	case Float32:
		for i, v := range a.F32 {
			out[i] = float64(v)
		}
	case Float64:
		copy(out, a.F64)
	case Uint8:
		for i, v := range a.U8 {
			out[i] = float64(v)
		}
	case Int64:
		for i, v := range a.I64 {
			out[i] = float64(v)
		}
	}
	return out
}

// elementCount is the product of shape, rejecting negative dimensions and
// products that overflow. A zero dimension makes the product zero however
// large the others are, as in numpy, so it is checked for first.
func elementCount(shape []int) (int64, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %s has a negative dimension", formatShape(shape))
		}
		if d == 0 {
			return 0, nil
		}
	}
	n := int64(1)
	for _, d := range shape {
		if int64(d) > math.MaxInt64/n {
			return 0, fmt.Errorf("shape %s has more elements than fit in an int64", formatShape(shape))
		}
		n *= int64(d)
	}
	return n, nil
}

// formatShape renders shape as a Python tuple, the form numpy's header uses
// and users recognise from arr.shape.
func formatShape(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

func supportedNames() string {
	names := make([]string, len(dtypes))
	for i, d := range dtypes {
		names[i] = d.name
	}
	return strings.Join(names, ", ")
}
