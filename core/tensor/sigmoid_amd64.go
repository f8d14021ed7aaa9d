//go:build amd64 && !f64

package tensor

import "golang.org/x/sys/cpu"

// sigmoidAVX2 and siluAVX2 are sigmoidGo and siluGo on the first n
// elements (n a multiple of 8), eight at a time.
//
//go:noescape
func sigmoidAVX2(dst, src *float32, n int)

//go:noescape
func siluAVX2(dst, src *float32, n int)

func init() {
	if cpu.X86.HasAVX2 {
		sigmoid = vectorised(sigmoidAVX2, sigmoidGo)
		silu = vectorised(siluAVX2, siluGo)
	}
}

// vectorised runs kernel over the whole vectors of 8 and tail over the
// elements left after them.
func vectorised(kernel func(dst, src *float32, n int), tail func(dst, src []float32)) func(dst, src []float32) {
	return func(dst, src []float32) {
		// The assembly does not bounds-check, so this slice does.
		dst = dst[:len(src)]
		n := len(src) &^ 7
		if n > 0 {
			kernel(&dst[0], &src[0], n)
		}
		tail(dst[n:], src[n:])
	}
}
