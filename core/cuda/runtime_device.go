package cuda

import (
	"fmt"
	"math"
	"os"
	"strings"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// *Device is the Runtime of a real GPU: raw device memory and copies
// through the driver, Launch and Synchronize as for Buffers, and GemmPtr
// through cuBLAS or, without it, the embedded tiled kernel.
var _ Runtime = (*Device)(nil)

// MemAlloc allocates bytes of uninitialised device memory. Zero bytes
// give address 0, which MemFree accepts, since cuMemAlloc rejects an
// empty allocation.
func (d *Device) MemAlloc(bytes int) (Ptr, error) {
	if bytes < 0 {
		return 0, fmt.Errorf("cuda: MemAlloc(%d): negative size", bytes)
	}
	var p uint64
	err := d.do(func() error {
		if bytes == 0 {
			return nil
		}
		if r := d.drv.cuMemAlloc(unsafe.Pointer(&p), uintptr(bytes)); r != cudaSuccess {
			return d.drv.check(fmt.Sprintf("cuMemAlloc_v2(%d bytes)", bytes), r)
		}
		return nil
	})
	return Ptr(p), err
}

// MemFree frees memory from MemAlloc; freeing address 0 does nothing.
func (d *Device) MemFree(p Ptr) error {
	if p == 0 {
		return nil
	}
	return d.do(func() error { return d.drv.check("cuMemFree_v2", d.drv.cuMemFree(uint64(p))) })
}

// CopyHtoD copies bytes from host address src to the device. It returns
// once src may be reused.
func (d *Device) CopyHtoD(dst Ptr, src unsafe.Pointer, bytes int) error {
	if bytes <= 0 {
		return checkBytes("CopyHtoD", bytes)
	}
	return d.do(func() error {
		return d.drv.check("cuMemcpyHtoD_v2", d.drv.cuMemcpyHtoD(uint64(dst), src, uintptr(bytes)))
	})
}

// CopyDtoH copies bytes from the device to host address dst. It waits for
// the work queued before it, so it also reports errors of earlier kernel
// launches.
func (d *Device) CopyDtoH(dst unsafe.Pointer, src Ptr, bytes int) error {
	if bytes <= 0 {
		return checkBytes("CopyDtoH", bytes)
	}
	return d.do(func() error {
		return d.drv.check("cuMemcpyDtoH_v2", d.drv.cuMemcpyDtoH(dst, uint64(src), uintptr(bytes)))
	})
}

// CopyDtoD copies bytes within the device, in order with the queued work.
func (d *Device) CopyDtoD(dst, src Ptr, bytes int) error {
	if bytes <= 0 {
		return checkBytes("CopyDtoD", bytes)
	}
	return d.do(func() error {
		return d.drv.check("cuMemcpyDtoD_v2", d.drv.cuMemcpyDtoD(uint64(dst), uint64(src), uintptr(bytes)))
	})
}

func checkBytes(op string, bytes int) error {
	if bytes < 0 {
		return fmt.Errorf("cuda: %s of %d bytes", op, bytes)
	}
	return nil
}

// GemmPtr is Gemm on raw addresses of densely packed row-major matrices
// of tensor.Float: c (m×n) = alpha·op(a)·op(b) + beta·c, a being m×k (k×m
// when transA) and b k×n (n×k when transB). c must not overlap a or b.
// With beta = 0, c is not read. Empty products (m or n zero) do nothing;
// with k = 0, c is scaled by beta.
//
// The product runs in cuBLAS when it loads, else in the embedded tiled
// kernel (see LaunchGemmKernel), which also serves when DDAEBM_CUBLAS is
// "off"; GemmPath says which. The first call that wants cuBLAS loads it,
// once per process, and the first on a device creates its handle.
func (d *Device) GemmPtr(transA, transB bool, m, n, k int, alpha float64, a, b Ptr, beta float64, c Ptr) error {
	if err := checkGemmSizes("GemmPtr", m, n, k); err != nil {
		return err
	}
	if m == 0 || n == 0 {
		return nil
	}
	lib, err := gemmLibrary()
	if err != nil {
		return LaunchGemmKernel(d, transA, transB, m, n, k, alpha, a, b, beta, c)
	}
	gemm, call := lib.sgemm, "cublasSgemm_v2"
	if tensor.Is64 {
		gemm, call = lib.dgemm, "cublasDgemm_v2"
	}
	al, be := tensor.Float(alpha), tensor.Float(beta)
	g := rowMajorGemm(transA, transB, m, n, k)
	return d.do(func() error {
		if d.blas == 0 {
			if err := d.createBlasHandle(lib); err != nil {
				return err
			}
		}
		return lib.check(call, gemm(d.blas, g.opA, g.opB, int32(g.m), int32(g.n), int32(g.k),
			unsafe.Pointer(&al), uint64(b), int32(g.lda), uint64(a), int32(g.ldb),
			unsafe.Pointer(&be), uint64(c), int32(g.ldc)))
	})
}

// cublasOff is the value of DDAEBM_CUBLAS that keeps GemmPtr on the tiled
// kernel even where cuBLAS is installed: for comparing the two, or for a
// cuBLAS that misbehaves.
const cublasOff = "off"

// gemmLibrary returns cuBLAS for GemmPtr, or why the tiled kernel serves
// instead. DDAEBM_CUBLAS is read at every call, so that a test can switch
// paths; cuBLAS itself is loaded at most once (see cublas), and never
// while the variable says off, which would cache a failure to load a
// library named "off".
func gemmLibrary() (*cublasAPI, error) {
	if strings.EqualFold(os.Getenv(cublasEnv), cublasOff) {
		return nil, fmt.Errorf("turned off by %s=%s", cublasEnv, cublasOff)
	}
	return cublas()
}

// GemmPath says how GemmPtr and Gemm multiply matrices on this device:
// "cublas <path of the library>", or "tiled kernel (cuBLAS: <why not>)"
// when cuBLAS did not load or DDAEBM_CUBLAS=off. Like GemmPtr, it loads
// cuBLAS if no call has tried yet; it does not create a handle, so a
// cuBLAS that loads but fails on this device is reported by GemmPtr only.
func (d *Device) GemmPath() string {
	lib, err := gemmLibrary()
	if err != nil {
		return "tiled kernel (cuBLAS: " + strings.TrimPrefix(err.Error(), "cuda: ") + ")"
	}
	return "cublas " + lib.path
}

// The launch shape of the gemm kernel, as kernels/gemm.cu fixes it: each
// block of gemmThreads×gemmThreads threads computes a gemmTile×gemmTile
// tile of c.
const (
	gemmTile    = 64
	gemmThreads = 16
	maxGridY    = 65535 // the driver's limit on gridDim.y
)

// LaunchGemmKernel computes c (m×n) = alpha·op(a)·op(b) + beta·c on rt
// with the embedded tiled kernel gemm_f32 or gemm_f64 (kernels/gemm.cu),
// as GemmPtr does where cuBLAS is missing or off; the arguments are
// GemmPtr's. It queues one launch: 16×16-thread blocks, one per 64×64
// tile of c, x along the columns and y along the rows, the y extent
// capped at the driver's 65535 (the kernel's blocks loop over the tiles
// the grid does not cover). Empty products launch nothing; with k = 0 the
// kernel scales c by beta, and with beta = 0 it does not read c.
//
// It is exported so that the kernel can be tested on any Runtime (package
// cudaemu's GemmPtr multiplies on the CPU) with the launch GemmPtr makes.
func LaunchGemmKernel(rt Runtime, transA, transB bool, m, n, k int, alpha float64, a, b Ptr, beta float64, c Ptr) error {
	if err := checkGemmSizes("LaunchGemmKernel", m, n, k); err != nil {
		return err
	}
	if m == 0 || n == 0 {
		return nil
	}
	flag := func(t bool) int {
		if t {
			return 1
		}
		return 0
	}
	lda := k // row lengths of the row-major operands, as stored
	if transA {
		lda = m
	}
	ldb := n
	if transB {
		ldb = k
	}
	tiles := func(x int) uint32 { return uint32((x + gemmTile - 1) / gemmTile) }
	grid := [3]uint32{tiles(n), min(tiles(m), maxGridY), 1}
	block := [3]uint32{gemmThreads, gemmThreads, 1}
	return rt.Launch(KernelName("gemm"), grid, block,
		flag(transA), flag(transB), m, n, k, tensor.Float(alpha), a, max(1, lda),
		b, max(1, ldb), tensor.Float(beta), c, max(1, n))
}

func checkGemmSizes(op string, m, n, k int) error {
	if m < 0 || n < 0 || k < 0 || m > math.MaxInt32 || n > math.MaxInt32 || k > math.MaxInt32 {
		return fmt.Errorf("cuda: %s: sizes m=%d n=%d k=%d out of range", op, m, n, k)
	}
	return nil
}
