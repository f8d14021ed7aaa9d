//go:build amd64 && !f64

package tensor

import "golang.org/x/sys/cpu"

// adamAVX is Adam over the first n elements, n a multiple of 8, with
// consts = stepSize, β1, β2, invSqrtC2, eps, 1−β1, 1−β2.
//
//go:noescape
func adamAVX(w, grad, m, v *float32, n int, consts *float32)

var hasAVX = cpu.X86.HasAVX

// adamVectors runs Adam over w (a whole number of vectors of 8) and the
// same elements of g, m and v, and reports whether it could.
func adamVectors(w, g, m, v []Float, consts *[7]Float) bool {
	if !hasAVX {
		return false
	}
	adamAVX(&w[0], &g[0], &m[0], &v[0], len(w), &consts[0])
	return true
}
