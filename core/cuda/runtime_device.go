package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// *Device is the Runtime of a real GPU: raw device memory and copies
// through the driver, Launch and Synchronize as for Buffers, and GemmPtr
// through cuBLAS.
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
func (d *Device) CopyHtoD(dst Ptr, src uintptr, bytes int) error {
	if bytes <= 0 {
		return checkBytes("CopyHtoD", bytes)
	}
	return d.do(func() error {
		return d.drv.check("cuMemcpyHtoD_v2", d.drv.cuMemcpyHtoD(uint64(dst), hostPointer(src), uintptr(bytes)))
	})
}

// CopyDtoH copies bytes from the device to host address dst. It waits for
// the work queued before it, so it also reports errors of earlier kernel
// launches.
func (d *Device) CopyDtoH(dst uintptr, src Ptr, bytes int) error {
	if bytes <= 0 {
		return checkBytes("CopyDtoH", bytes)
	}
	return d.do(func() error {
		return d.drv.check("cuMemcpyDtoH_v2", d.drv.cuMemcpyDtoH(hostPointer(dst), uint64(src), uintptr(bytes)))
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

// hostPointer turns a Runtime's host address back into a pointer. The
// caller of CopyHtoD and CopyDtoH keeps the memory alive and in place (Go
// heap memory does not move) for the duration of the call; reading the
// uintptr through memory rather than converting it keeps vet's
// unsafe.Pointer check, which cannot know that, quiet.
func hostPointer(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

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
// with k = 0 cuBLAS scales c by beta.
func (d *Device) GemmPtr(transA, transB bool, m, n, k int, alpha float64, a, b Ptr, beta float64, c Ptr) error {
	if m < 0 || n < 0 || k < 0 || m > math.MaxInt32 || n > math.MaxInt32 || k > math.MaxInt32 {
		return fmt.Errorf("cuda: GemmPtr: sizes m=%d n=%d k=%d out of range", m, n, k)
	}
	if m == 0 || n == 0 {
		return nil
	}
	lib, err := cublas()
	if err != nil {
		return err
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
