//go:build !f64

package tensor

import "math"

// The sign of a ReLU-family input is random, so a branch per element
// mispredicts half the time and costs more than the arithmetic. These
// kernels choose on the integer image of the float (positive floats are
// exactly the positive int32 bit patterns), which the compiler turns into
// conditional moves.

// maskedScaleGo is MaskedScale in Go.
func maskedScaleGo(dst, v, ref []Float, s Float) {
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

// zeroWherePositiveGo is ZeroWherePositive in Go.
func zeroWherePositiveGo(dst, w, ref []Float) {
	ref, dst = ref[:len(w)], dst[:len(w)]
	for i, x := range w {
		keep := uint32(0xffffffff)
		if int32(math.Float32bits(ref[i])) > 0 {
			keep = 0
		}
		dst[i] = math.Float32frombits(math.Float32bits(x) & keep)
	}
}

// MaskedScale sets dst[i] = v[i] where ref[i] > 0 and s·v[i] elsewhere.
func MaskedScale(dst, v, ref []Float, s Float) {
	ref, dst = ref[:len(v)], dst[:len(v)]
	n := len(v) &^ 7
	if n > 0 && maskedScaleVec != nil {
		maskedScaleVec(&dst[0], &v[0], &ref[0], s, n)
		v, ref, dst = v[n:], ref[n:], dst[n:]
	}
	maskedScaleGo(dst, v, ref, s)
}

// ZeroWherePositive sets dst[i] = 0 where ref[i] > 0 and w[i] elsewhere.
func ZeroWherePositive(dst, w, ref []Float) {
	ref, dst = ref[:len(w)], dst[:len(w)]
	n := len(w) &^ 7
	if n > 0 && zeroWherePositiveVec != nil {
		zeroWherePositiveVec(&dst[0], &w[0], &ref[0], n)
		w, ref, dst = w[n:], ref[n:], dst[n:]
	}
	zeroWherePositiveGo(dst, w, ref)
}

// maskedScaleVec and zeroWherePositiveVec, where the CPU has them, run
// MaskedScale and ZeroWherePositive over whole vectors of 8 elements.
var (
	maskedScaleVec       func(dst, v, ref *float32, s float32, n int)
	zeroWherePositiveVec func(dst, w, ref *float32, n int)
)
