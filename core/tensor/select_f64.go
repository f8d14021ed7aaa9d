//go:build f64

package tensor

// MaskedScale sets dst[i] = v[i] where ref[i] > 0 and s·v[i] elsewhere.
func MaskedScale(dst, v, ref []Float, s Float) {
	for i, x := range v {
		if ref[i] > 0 {
			dst[i] = x
		} else {
			dst[i] = s * x
		}
	}
}

// ZeroWherePositive sets dst[i] = 0 where ref[i] > 0 and w[i] elsewhere.
func ZeroWherePositive(dst, w, ref []Float) {
	for i, x := range w {
		if ref[i] > 0 {
			dst[i] = 0
		} else {
			dst[i] = x
		}
	}
}
