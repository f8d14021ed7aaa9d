//go:build amd64 && !f64

package tensor

import "golang.org/x/sys/cpu"

// kernAVX512 adds alpha times the product of a packed 12×k A panel and a
// packed k×32 B panel to the 12×32 tile of c at c[0], rows ldc apart.
//
//go:noescape
func kernAVX512(k int, a, b, c *float32, ldc int, alpha float32)

// kernAVX2 is kernAVX512 for a 6×16 tile.
//
//go:noescape
func kernAVX2(k int, a, b, c *float32, ldc int, alpha float32)

// kernAVX2Set is kernAVX2 storing alpha times the product into the tile
// rather than adding it: c is written without being read.
//
//go:noescape
func kernAVX2Set(k int, a, b, c *float32, ldc int, alpha float32)

// kernAVX2Strided and kernAVX2StridedSet are kernAVX2 and kernAVX2Set
// reading A in place rather than packed: row r of the panel at step p is
// a[r·rowStride + p·kStride].
//
//go:noescape
func kernAVX2Strided(k int, a *float32, rowStride, kStride int, b, c *float32, ldc int, alpha float32)

//go:noescape
func kernAVX2StridedSet(k int, a *float32, rowStride, kStride int, b, c *float32, ldc int, alpha float32)

// prefetchRows asks for the first k floats of 6 rows of a, lda apart, to
// be brought into the cache.
//
//go:noescape
func prefetchRows(a *float32, lda, k int)

// kernels lists the micro-kernels this CPU runs, fastest first; the tests
// check every one of them, not only the one Gemm picks.
var kernels []*kernel

// useAVX512Pack makes packing use transpose16 and copy32, which need
// AVX-512, rather than moving one element or one row at a time.
var useAVX512Pack = cpu.X86.HasAVX512F

func init() {
	// The AVX-512 blocks keep a 12×256 A panel (12 KiB) beside the current
	// B panel rows in L1 and a 256×1024 B block (1 MiB) in the 2 MiB L2;
	// one 516-row A block covers every batch size the networks use.
	if cpu.X86.HasAVX512F {
		kernels = append(kernels, &kernel{name: "avx512", fn: kernAVX512, mr: 12, nr: 32, mc: 516, nc: 1024, kc: 256})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kernels = append(kernels, &kernel{name: "avx2", fn: kernAVX2, set: kernAVX2Set, strided: kernAVX2Strided, setStrided: kernAVX2StridedSet, mr: 6, nr: 16, mc: 516, nc: 512, kc: 256})
	}
	switch {
	case len(kernels) == 2:
		wide, narrow = kernels[0], kernels[1]
		gemm, gemmSet = chosenGemm, chosenGemmSet
	case len(kernels) == 1:
		gemm, gemmSet = kernels[0].gemm, kernels[0].gemmSet
	}
}

// wide and narrow are the AVX-512 and AVX2 kernels where the CPU has both.
var wide, narrow *kernel

// pick returns the kernel for an m×n product over k: the AVX-512 kernel
// packs every block of A it reads, which pays for itself only where each
// packed row meets enough columns of B and enough steps of k; the AVX2
// kernel reads A in place. Narrow products (n < 32: a convolution with 16
// output channels, or the weight gradient of one) and short ones (k < 64,
// A not transposed: the input gradient of such a convolution) run 1.5–2×
// faster on AVX2 on the 2-core AVX-512 Xeon the README describes
// (BenchmarkGemmKernels, 16 channels); the two are level at 32 channels,
// and at 128 AVX-512 is 1.5–1.7× faster.
func pick(transA bool, n, k int) *kernel {
	if n < 32 || (k < 64 && !transA) {
		return narrow
	}
	return wide
}

func chosenGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	pick(transA, n, k).gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

func chosenGemmSet(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	pick(transA, n, k).gemmSet(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

// transpose16 writes row r of a 16-row block of src, found offs[r] floats
// past src, into column r of dst, whose k rows are ldd apart, for each
// r < lanes. k is at least 1.
//
//go:noescape
func transpose16(dst *float32, ldd int, src *float32, offs *[16]int, lanes, k int)

// copy32 copies rows ≥ 1 rows of width ≤ 32 floats, ld apart in src, to
// dst with rows ldd apart.
//
//go:noescape
func copy32(dst *float32, ldd int, src *float32, ld, width, rows int)
