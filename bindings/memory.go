package bindings

import (
	"fmt"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// view returns the memory at addr, nbytes long, as a slice of T. The
// memory belongs to the caller (a numpy array it keeps alive for the
// call); the slice must not outlive the exported function that made it.
// want is the number of elements the call expects, or −1 for any whole
// number of them.
func view[T float32 | float64 | uint8 | int64](what string, addr uintptr, nbytes, want int) ([]T, error) {
	size := int(unsafe.Sizeof(T(0)))
	switch {
	case nbytes < 0 || nbytes%size != 0:
		return nil, invalid("%s: %d bytes is not a whole number of %d-byte values", what, nbytes, size)
	case want >= 0 && nbytes != want*size:
		return nil, invalid("%s: buffer holds %d values, want %d", what, nbytes/size, want)
	case nbytes == 0:
		return nil, nil
	case addr == 0:
		return nil, invalid("%s: null address for %d bytes", what, nbytes)
	case addr%uintptr(size) != 0:
		return nil, invalid("%s: address %#x is not aligned to %d bytes", what, addr, size)
	}
	// The double indirection states that addr is a real address (of
	// memory Go does not manage) rather than arithmetic on a Go pointer.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*T)(p), nbytes/size), nil
}

// readMatrix copies r×c float32 values at addr into a new matrix,
// rejecting NaN and ±Inf: every consumer (scores, training data) would
// turn them into meaningless results without another symptom.
func readMatrix(what string, addr uintptr, nbytes, r, c int) (*tensor.Dense, error) {
	if r < 0 || c < 1 {
		return nil, invalid("%s: shape (%d, %d) is not a matrix", what, r, c)
	}
	src, err := view[float32](what, addr, nbytes, r*c)
	if err != nil {
		return nil, err
	}
	if err := memlimit.Check(fmt.Sprintf("%s: a copy of %d×%d values", what, r, c), float64(r)*float64(c)*float64(unsafe.Sizeof(tensor.Float(0)))); err != nil {
		return nil, err
	}
	d := tensor.New(r, c)
	for i, v := range src {
		if v-v != 0 {
			return nil, invalid("%s: row %d, column %d is %v; values must be finite", what, i/c, i%c, v)
		}
		d.Data[i] = tensor.Float(v)
	}
	return d, nil
}

// writeMatrix copies d into the float32 buffer at addr, which must hold
// exactly d's values.
func writeMatrix(what string, d *tensor.Dense, addr uintptr, nbytes int) error {
	dst, err := view[float32](what, addr, nbytes, len(d.Data))
	if err != nil {
		return err
	}
	for i, v := range d.Data {
		dst[i] = float32(v)
	}
	return nil
}
