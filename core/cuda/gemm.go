package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// cublasOperation_t values.
const (
	opN int32 = 0 // CUBLAS_OP_N
	opT int32 = 1 // CUBLAS_OP_T
)

// colMajorGemm is one cuBLAS gemm call: C = alpha·opA(A)·opB(B) + beta·C
// on column-major storage, C being m×n.
type colMajorGemm struct {
	opA, opB      int32
	m, n, k       int
	lda, ldb, ldc int
}

// rowMajorGemm maps the row-major product c = op(a)·op(b) (c m×n, op(a)
// m×k, op(b) k×n, all densely packed) onto a column-major cuBLAS call.
//
// A row-major r×s matrix with leading dimension s is, byte for byte, the
// column-major s×r matrix of its transpose. So c's storage read column-major
// is cᵀ (n×m), and cᵀ = op(b)ᵀ·op(a)ᵀ: cuBLAS computes it with b as its
// first operand and a as its second, and the result lands in c's storage
// already in row-major order. No data is transposed.
//
// The operand flags carry over unchanged: b's storage read column-major is
// bᵀ, which is op(b)ᵀ when b is not transposed (so CUBLAS_OP_N) and needs
// one more transpose when it is (CUBLAS_OP_T); likewise for a. The leading
// dimensions are the row-major row lengths: b's is n (k when transB), a's is
// k (m when transA), c's is n. cuBLAS rejects a leading dimension of 0
// even for an empty matrix, hence the max(1, ·).
//
// In the returned call, A is the row-major b and B is the row-major a.
func rowMajorGemm(transA, transB bool, m, n, k int) colMajorGemm {
	op := func(t bool) int32 {
		if t {
			return opT
		}
		return opN
	}
	lda := k // row length of the row-major a
	if transA {
		lda = m
	}
	ldb := n // row length of the row-major b
	if transB {
		ldb = k
	}
	return colMajorGemm{
		opA: op(transB), opB: op(transA),
		m: n, n: m, k: k,
		lda: max(1, ldb), ldb: max(1, lda), ldc: max(1, n),
	}
}

// Gemm computes c = alpha·op(a)·op(b) + beta·c on the device, op
// transposing its argument when the matching flag is set: the semantics
// of tensor.Gemm, with the shapes given explicitly since a Buffer has
// none. All three are dense row-major matrices: c is m×n, a is m×k (k×m
// when transA) and b is k×n (n×k when transB). c must not share storage
// with a or b. The call is asynchronous; errors of the computation itself
// surface at the next synchronising call.
//
// The first Gemm on a device loads cuBLAS and creates its handle; without
// cuBLAS (or with DDAEBM_CUBLAS=off) the tiled gemm kernel runs instead.
func (d *Device) Gemm(transA, transB bool, m, n, k int, alpha tensor.Float, a, b *Buffer, beta tensor.Float, c *Buffer) error {
	if m < 0 || n < 0 || k < 0 || m > math.MaxInt32 || n > math.MaxInt32 || k > math.MaxInt32 {
		return fmt.Errorf("cuda: Gemm: sizes m=%d n=%d k=%d out of range", m, n, k)
	}
	for _, x := range []struct {
		name string
		buf  *Buffer
		want int
	}{{"a", a, m * k}, {"b", b, k * n}, {"c", c, m * n}} {
		if err := x.buf.usableOn(d); err != nil {
			return fmt.Errorf("cuda: Gemm: %s: %w", x.name, err)
		}
		if x.buf.n != x.want {
			return fmt.Errorf("cuda: Gemm(transA=%v, transB=%v, m=%d, n=%d, k=%d): %s has %d elements, want %d",
				transA, transB, m, n, k, x.name, x.buf.n, x.want)
		}
	}
	return d.GemmPtr(transA, transB, m, n, k, float64(alpha), Ptr(a.ptr), Ptr(b.ptr), float64(beta), Ptr(c.ptr))
}

// createBlasHandle runs with the context current: a cuBLAS handle binds to
// the context that is current when it is created.
func (d *Device) createBlasHandle(lib *cublasAPI) error {
	var h uintptr
	if err := lib.check("cublasCreate_v2", lib.create(unsafe.Pointer(&h))); err != nil {
		return err
	}
	if lib.setMathMode != nil {
		if err := lib.check("cublasSetMathMode", lib.setMathMode(h, cublasDefaultMath)); err != nil {
			lib.destroy(h)
			return err
		}
	}
	d.blas = h
	return nil
}
