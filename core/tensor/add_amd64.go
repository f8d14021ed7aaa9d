//go:build amd64 && !f64

package tensor

import "golang.org/x/sys/cpu"

// addToAVX adds the first n floats of src to dst, n a multiple of 8.
//
//go:noescape
func addToAVX(dst, src *float32, n int)

var addTo = addToGo

func init() {
	if cpu.X86.HasAVX {
		addTo = func(dst, src []float32) {
			// The assembly does not bounds-check, so this slice does.
			dst = dst[:len(src)]
			n := len(src) &^ 7
			if n > 0 {
				addToAVX(&dst[0], &src[0], n)
			}
			addToGo(dst[n:], src[n:])
		}
	}
}
