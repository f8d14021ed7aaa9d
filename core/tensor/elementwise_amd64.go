//go:build amd64 && !f64

package tensor

import "golang.org/x/sys/cpu"

// addAVX, subAVX and mulAVX are addGo, subGo and mulGo on the first n
// elements, n a multiple of 8.
//
//go:noescape
func addAVX(dst, a, b *float32, n int)

//go:noescape
func subAVX(dst, a, b *float32, n int)

//go:noescape
func mulAVX(dst, a, b *float32, n int)

var addVec, subVec, mulVec = addGo, subGo, mulGo

func init() {
	if cpu.X86.HasAVX {
		addVec = binaryVectorised(addAVX, addGo)
		subVec = binaryVectorised(subAVX, subGo)
		mulVec = binaryVectorised(mulAVX, mulGo)
	}
}

// binaryVectorised runs kernel over the whole vectors of 8 and tail over
// the elements after them; the slices have equal lengths.
func binaryVectorised(kernel func(dst, a, b *float32, n int), tail func(dst, a, b []float32)) func(dst, a, b []float32) {
	return func(dst, a, b []float32) {
		n := len(a) &^ 7
		if n > 0 {
			kernel(&dst[0], &a[0], &b[0], n)
		}
		tail(dst[n:], a[n:], b[n:])
	}
}
