package cuda

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// cuResult is the driver API's CUresult.
type cuResult int32

const (
	cudaSuccess       cuResult = 0
	cudaErrorNotFound cuResult = 500

	// CUdevice_attribute values from cuda.h; they are part of the ABI.
	attrComputeCapabilityMajor = 75
	attrComputeCapabilityMinor = 76
)

// driverAPI holds the libcuda.so.1 entry points. The Go signatures follow
// the C prototypes exactly: CUdeviceptr is uint64, handles (CUcontext,
// CUmodule, CUfunction) are uintptr, size_t is uintptr, int is int32, and
// output parameters are unsafe.Pointer to a Go variable of the C type.
type driverAPI struct {
	cuInit               func(flags uint32) cuResult
	cuDriverGetVersion   func(version unsafe.Pointer) cuResult
	cuDeviceGetCount     func(count unsafe.Pointer) cuResult
	cuDeviceGet          func(dev unsafe.Pointer, ordinal int32) cuResult
	cuDeviceGetName      func(name unsafe.Pointer, length int32, dev int32) cuResult
	cuDeviceTotalMem     func(bytes unsafe.Pointer, dev int32) cuResult
	cuDeviceGetAttribute func(value unsafe.Pointer, attr int32, dev int32) cuResult
	cuCtxCreate          func(ctx unsafe.Pointer, flags uint32, dev int32) cuResult
	cuCtxDestroy         func(ctx uintptr) cuResult
	cuCtxSetCurrent      func(ctx uintptr) cuResult
	cuCtxSynchronize     func() cuResult
	cuMemAlloc           func(dptr unsafe.Pointer, bytes uintptr) cuResult
	cuMemFree            func(dptr uint64) cuResult
	cuMemcpyHtoD         func(dst uint64, src unsafe.Pointer, bytes uintptr) cuResult
	cuMemcpyDtoH         func(dst unsafe.Pointer, src uint64, bytes uintptr) cuResult
	cuMemcpyDtoD         func(dst, src uint64, bytes uintptr) cuResult
	cuMemsetD32          func(dst uint64, value uint32, count uintptr) cuResult
	cuModuleLoadData     func(module unsafe.Pointer, image unsafe.Pointer) cuResult
	cuModuleGetFunction  func(fn unsafe.Pointer, module uintptr, name string) cuResult
	cuLaunchKernel       func(fn uintptr, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMem uint32, stream uintptr, params, extra unsafe.Pointer) cuResult
	cuGetErrorName       func(r cuResult, str unsafe.Pointer) cuResult
	cuGetErrorString     func(r cuResult, str unsafe.Pointer) cuResult
}

const driverLib = "libcuda.so.1"

var (
	driverOnce sync.Once
	drv        *driverAPI
	drvErr     error
)

// driver loads and initialises libcuda.so.1 on first use. Doing it lazily
// rather than in init is what lets a binary that imports this package run
// (and its tests skip) on a machine without a GPU.
func driver() (*driverAPI, error) {
	driverOnce.Do(func() { drv, drvErr = loadDriver(driverLib) })
	return drv, drvErr
}

// loadDriver takes the soname as a parameter only so that a test can
// make it fail.
func loadDriver(soname string) (*driverAPI, error) {
	lib, err := purego.Dlopen(soname, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("cuda: cannot load %s (no NVIDIA driver on this machine?): %v", soname, err)
	}
	d := new(driverAPI)
	err = bindAll(lib, soname, []symbol{
		{&d.cuInit, "cuInit"},
		{&d.cuDriverGetVersion, "cuDriverGetVersion"},
		{&d.cuDeviceGetCount, "cuDeviceGetCount"},
		{&d.cuDeviceGet, "cuDeviceGet"},
		{&d.cuDeviceGetName, "cuDeviceGetName"},
		{&d.cuDeviceTotalMem, "cuDeviceTotalMem_v2"},
		{&d.cuDeviceGetAttribute, "cuDeviceGetAttribute"},
		{&d.cuCtxCreate, "cuCtxCreate_v2"},
		{&d.cuCtxDestroy, "cuCtxDestroy_v2"},
		{&d.cuCtxSetCurrent, "cuCtxSetCurrent"},
		{&d.cuCtxSynchronize, "cuCtxSynchronize"},
		{&d.cuMemAlloc, "cuMemAlloc_v2"},
		{&d.cuMemFree, "cuMemFree_v2"},
		{&d.cuMemcpyHtoD, "cuMemcpyHtoD_v2"},
		{&d.cuMemcpyDtoH, "cuMemcpyDtoH_v2"},
		{&d.cuMemcpyDtoD, "cuMemcpyDtoD_v2"},
		{&d.cuMemsetD32, "cuMemsetD32_v2"},
		{&d.cuModuleLoadData, "cuModuleLoadData"},
		{&d.cuModuleGetFunction, "cuModuleGetFunction"},
		{&d.cuLaunchKernel, "cuLaunchKernel"},
		{&d.cuGetErrorName, "cuGetErrorName"},
		{&d.cuGetErrorString, "cuGetErrorString"},
	})
	if err != nil {
		return nil, err
	}
	// Naming the library here tells a reader of "no device" that the
	// driver's user-space half was found and the rest was not.
	if r := d.cuInit(0); r != cudaSuccess {
		return nil, fmt.Errorf("cuda: cuInit via %s: %s", soname, d.describe(r))
	}
	return d, nil
}

// symbol pairs a Go function variable with the C symbol that backs it.
type symbol struct {
	fptr any
	name string
}

// bindAll resolves every symbol before registering any: purego's
// RegisterLibFunc panics on a missing symbol, and an old driver or library
// lacking one must be an error, not a crash.
func bindAll(lib uintptr, libName string, syms []symbol) error {
	addrs := make([]uintptr, len(syms))
	for i, s := range syms {
		p, err := purego.Dlsym(lib, s.name)
		if err != nil {
			return fmt.Errorf("cuda: %s has no symbol %s (too old?): %v", libName, s.name, err)
		}
		addrs[i] = p
	}
	for i, s := range syms {
		purego.RegisterFunc(s.fptr, addrs[i])
	}
	return nil
}

// check turns a CUresult into an error naming the call, e.g.
// "cuda: cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
func (d *driverAPI) check(call string, r cuResult) error {
	if r == cudaSuccess {
		return nil
	}
	return fmt.Errorf("cuda: %s: %s", call, d.describe(r))
}

func (d *driverAPI) describe(r cuResult) string {
	var name, desc *byte
	if d.cuGetErrorName(r, unsafe.Pointer(&name)) != cudaSuccess || name == nil {
		return fmt.Sprintf("CUresult %d", r)
	}
	s := cString(name)
	if d.cuGetErrorString(r, unsafe.Pointer(&desc)) == cudaSuccess && desc != nil {
		s += " (" + cString(desc) + ")"
	}
	return s
}

// cString copies a NUL-terminated C string (owned by the C library) into
// Go memory.
func cString(p *byte) string {
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return strings.Clone(unsafe.String(p, n))
}

// DeviceCount returns the number of CUDA devices the driver sees, or the
// error that kept the driver from loading or initialising.
func DeviceCount() (int, error) {
	d, err := driver()
	if err != nil {
		return 0, err
	}
	var n int32
	if err := d.check("cuDeviceGetCount", d.cuDeviceGetCount(unsafe.Pointer(&n))); err != nil {
		return 0, err
	}
	return int(n), nil
}

var (
	availableOnce sync.Once
	availableErr  error
)

// Available returns nil when device 0 can be opened, and otherwise the
// reason it cannot (no driver, no device, context creation failed). It
// probes once per process and remembers the answer, since a GPU does not
// come or go while a program runs.
func Available() error {
	availableOnce.Do(func() {
		n, err := DeviceCount()
		if err != nil {
			availableErr = err
			return
		}
		if n == 0 {
			availableErr = fmt.Errorf("cuda: the driver loaded but sees no CUDA device")
			return
		}
		dev, err := Open(0)
		if err != nil {
			availableErr = err
			return
		}
		availableErr = dev.Close()
	})
	return availableErr
}
