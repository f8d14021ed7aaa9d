package tensor

// gemm and gemmSet are the kernels Gemm dispatches to; platform files may
// replace them. gemm adds to c; gemmSet overwrites it, so that a product
// into fresh memory need not clear it first.
var gemm, gemmSet = gemmRef, gemmRefSet

// gemmRefSet is gemmRef into an m×n c that it clears first.
func gemmRefSet(transA, transB bool, m, n, k int, alpha Float, a []Float, lda int, b []Float, ldb int, c []Float, ldc int) {
	for i := range m {
		clear(c[i*ldc:][:n])
	}
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}
