package tensor

import "fmt"

// Dense is a row-major R×C matrix. Its values are in Data on the host;
// a matrix in accelerator memory (see autograd.Backend) has Data == nil
// and the device address of its values in Dev.
type Dense struct {
	R, C int
	Data []Float
	Dev  uintptr
}

// OnDevice reports whether d's values live in accelerator memory.
func (d *Dense) OnDevice() bool { return d.Data == nil && d.Dev != 0 }

// New returns a zeroed r×c matrix on the heap.
func New(r, c int) *Dense {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("tensor: negative shape %d×%d", r, c))
	}
	return &Dense{R: r, C: c, Data: make([]Float, r*c)}
}

// FromSlice wraps data (not copied) as an r×c matrix.
func FromSlice(r, c int, data []Float) *Dense {
	if len(data) != r*c {
		panic(fmt.Sprintf("tensor: %d values do not make a %d×%d matrix", len(data), r, c))
	}
	return &Dense{R: r, C: c, Data: data}
}

// Full returns an r×c matrix with every element v.
func Full(r, c int, v Float) *Dense {
	d := New(r, c)
	d.Fill(v)
	return d
}

// Len is the number of elements.
func (d *Dense) Len() int { return d.R * d.C }

// At returns element (i, j).
func (d *Dense) At(i, j int) Float { return d.Data[i*d.C+j] }

// Set sets element (i, j).
func (d *Dense) Set(i, j int, v Float) { d.Data[i*d.C+j] = v }

// Row returns row i as a slice sharing d's storage.
func (d *Dense) Row(i int) []Float { return d.Data[i*d.C : (i+1)*d.C] }

// Fill sets every element to v.
func (d *Dense) Fill(v Float) {
	for i := range d.Data {
		d.Data[i] = v
	}
}

// Clone returns a heap copy of d.
func (d *Dense) Clone() *Dense {
	c := New(d.R, d.C)
	copy(c.Data, d.Data)
	return c
}

// CopyFrom copies src into d; the shapes must match.
func (d *Dense) CopyFrom(src *Dense) {
	MustSameShape("CopyFrom", d, src)
	copy(d.Data, src.Data)
}

// SameShape reports whether a and b have the same shape.
func SameShape(a, b *Dense) bool { return a.R == b.R && a.C == b.C }

// MustSameShape panics with the operation's name when shapes differ; shape
// mismatches inside the engine are programming errors, not user input.
func MustSameShape(op string, a, b *Dense) {
	if !SameShape(a, b) {
		panic(fmt.Sprintf("tensor: %s: shapes %d×%d and %d×%d differ", op, a.R, a.C, b.R, b.C))
	}
}

// Float64s returns the elements converted to float64 in a new slice, the
// form the metrics take.
func (d *Dense) Float64s() []float64 {
	out := make([]float64, len(d.Data))
	for i, v := range d.Data {
		out[i] = float64(v)
	}
	return out
}

// String describes the shape (not the values).
func (d *Dense) String() string { return fmt.Sprintf("Dense(%d×%d)", d.R, d.C) }
