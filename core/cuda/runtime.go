package cuda

import "unsafe"

// Runtime is what the GPU backend needs from a device: memory, copies,
// kernel launches and matrix products. *Device implements it over the
// CUDA driver; package cudaemu implements it on the host, running the
// same CUDA C kernels compiled for the CPU, so the backend's every path
// can be tested on machines without a GPU.
//
// Addresses are device addresses (CUdeviceptr). Launch takes the kernel's
// full entry name (see KernelName) and its arguments as Device.Launch
// does, with Ptr for a device address.
type Runtime interface {
	// MemAlloc returns the address of bytes of uninitialised memory.
	MemAlloc(bytes int) (Ptr, error)
	MemFree(p Ptr) error
	// CopyHtoD copies bytes from host memory at src to dst; CopyDtoH the
	// other way; CopyDtoD within the device. Host memory is passed as a
	// pointer, never as a uintptr, so that Go keeps it alive and follows
	// it when a goroutine stack moves; it must stay valid for the duration
	// of the call only: copies are synchronous with respect to the host.
	CopyHtoD(dst Ptr, src unsafe.Pointer, bytes int) error
	CopyDtoH(dst unsafe.Pointer, src Ptr, bytes int) error
	CopyDtoD(dst, src Ptr, bytes int) error
	Launch(name string, grid, block [3]uint32, args ...any) error
	// GemmPtr is Gemm on raw addresses: c (m×n) = alpha·op(a)·op(b) + beta·c.
	GemmPtr(transA, transB bool, m, n, k int, alpha float64, a, b Ptr, beta float64, c Ptr) error
	Synchronize() error
}

// Ptr is a device address, as a kernel argument or a Runtime operand.
type Ptr uint64
