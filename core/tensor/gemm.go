package tensor

import "fmt"

// Gemm computes c = alpha·op(a)·op(b) + beta·c, where op transposes its
// argument when the matching flag is set. Shapes must agree; c must not
// share storage with a or b.
func Gemm(transA, transB bool, alpha Float, a, b *Dense, beta Float, c *Dense) {
	m, n, k := GemmDims("tensor: Gemm", transA, transB, a, b, c)
	if m == 0 || n == 0 || k == 0 {
		if beta == 0 {
			clear(c.Data)
		} else {
			scale(beta, c.Data)
		}
		return
	}
	if beta == 0 {
		gemmSet(transA, transB, m, n, k, alpha, a.Data, a.C, b.Data, b.C, c.Data, c.C)
		return
	}
	scale(beta, c.Data)
	gemm(transA, transB, m, n, k, alpha, a.Data, a.C, b.Data, b.C, c.Data, c.C)
}

// GemmDims returns the sizes of c (m×n) = op(a)·op(b), k being the inner
// one, and panics, naming op, when the three shapes do not fit: a shape
// mismatch inside the engine is a programming error.
func GemmDims(op string, transA, transB bool, a, b, c *Dense) (m, n, k int) {
	m, k = a.R, a.C
	if transA {
		m, k = k, m
	}
	kb, n := b.R, b.C
	if transB {
		kb, n = n, kb
	}
	if k != kb || c.R != m || c.C != n {
		panic(fmt.Sprintf("%s(transA=%v, transB=%v): %d×%d · %d×%d into %d×%d",
			op, transA, transB, a.R, a.C, b.R, b.C, c.R, c.C))
	}
	return m, n, k
}

// gemmRef is the portable kernel: c += alpha·op(a)·op(b) on raw row-major
// storage with leading dimensions lda, ldb, ldc.
func gemmRef(transA, transB bool, m, n, k int, alpha Float, a []Float, lda int, b []Float, ldb int, c []Float, ldc int) {
	switch {
	case !transA && !transB:
		for i := 0; i < m; i++ {
			ci := c[i*ldc : i*ldc+n]
			for p, av := range a[i*lda : i*lda+k] {
				axpy(alpha*av, b[p*ldb:p*ldb+n], ci)
			}
		}
	case !transA && transB:
		for i := 0; i < m; i++ {
			ai := a[i*lda : i*lda+k]
			ci := c[i*ldc : i*ldc+n]
			for j := range ci {
				ci[j] += alpha * dot(ai, b[j*ldb:j*ldb+k])
			}
		}
	case transA && !transB:
		for p := 0; p < k; p++ {
			ap := a[p*lda : p*lda+m]
			bp := b[p*ldb : p*ldb+n]
			for i, av := range ap {
				if av != 0 {
					axpy(alpha*av, bp, c[i*ldc:i*ldc+n])
				}
			}
		}
	default:
		for i := 0; i < m; i++ {
			ci := c[i*ldc : i*ldc+n]
			for j := range ci {
				var s Float
				for p := 0; p < k; p++ {
					s += a[p*lda+i] * b[j*ldb+p]
				}
				ci[j] += alpha * s
			}
		}
	}
}

// scale multiplies x by s (leaving it alone when s is 1).
func scale(s Float, x []Float) {
	if s == 1 {
		return
	}
	for i := range x {
		x[i] *= s
	}
}

func axpy(alpha Float, x, y []Float) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func dot(x, y []Float) Float {
	y = y[:len(x)]
	var s0, s1, s2, s3 Float
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
