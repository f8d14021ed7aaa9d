//go:build !f64

package tensor

import "math"

// The sign of a ReLU-family input is random, so a branch per element
// mispredicts half the time and costs more than the arithmetic. These
// kernels choose on the integer image of the float (positive floats are
// exactly the positive int32 bit patterns), which the compiler turns into
// conditional moves.

// MaskedScale sets dst[i] = v[i] where ref[i] > 0 and s·v[i] elsewhere.
func MaskedScale(dst, v, ref []Float, s Float) {
	one, sb := math.Float32bits(1), math.Float32bits(s)
	ref, dst = ref[:len(v)], dst[:len(v)]
	for i, x := range v {
		f := sb
		if int32(math.Float32bits(ref[i])) > 0 {
			f = one
		}
		dst[i] = x * math.Float32frombits(f)
	}
}

// ZeroWherePositive sets dst[i] = 0 where ref[i] > 0 and w[i] elsewhere.
func ZeroWherePositive(dst, w, ref []Float) {
	ref, dst = ref[:len(w)], dst[:len(w)]
	for i, x := range w {
		keep := uint32(0xffffffff)
		if int32(math.Float32bits(ref[i])) > 0 {
			keep = 0
		}
		dst[i] = math.Float32frombits(math.Float32bits(x) & keep)
	}
}
