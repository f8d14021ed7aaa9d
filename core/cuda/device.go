package cuda

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// errClosed is returned by every operation on a closed Device or on the
// buffers it allocated.
var errClosed = errors.New("cuda: device is closed")

// Device is one GPU with its own CUDA context. It is safe for concurrent
// use: calls are serialised, and each runs with the context current on its
// OS thread.
type Device struct {
	mu   sync.Mutex
	drv  *driverAPI
	ctx  uintptr // CUcontext; 0 once closed
	name string
	info string

	blas uintptr // cublasHandle_t, created on the first Gemm

	modules   []module           // embedded PTX, loaded on the first Launch
	functions map[string]uintptr // CUfunction by kernel name
}

// Open creates a context on the device with the given ordinal (0 is the
// first GPU). Close releases it and everything allocated on it.
func Open(ordinal int) (*Device, error) {
	d, err := driver()
	if err != nil {
		return nil, err
	}
	n, err := DeviceCount()
	if err != nil {
		return nil, err
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("cuda: no device %d: the driver sees %d", ordinal, n)
	}
	var dev int32
	if err := d.check("cuDeviceGet", d.cuDeviceGet(unsafe.Pointer(&dev), int32(ordinal))); err != nil {
		return nil, err
	}
	name, info, err := describeDevice(d, dev)
	if err != nil {
		return nil, err
	}
	// cuCtxCreate makes the new context current on the calling thread; the
	// thread is irrelevant afterwards, since every call sets it again.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ctx uintptr
	if err := d.check("cuCtxCreate_v2", d.cuCtxCreate(unsafe.Pointer(&ctx), 0, dev)); err != nil {
		return nil, err
	}
	return &Device{drv: d, ctx: ctx, name: name, info: info}, nil
}

// describeDevice reads what Name and Info report once, at Open, so that
// they need no error results.
func describeDevice(d *driverAPI, dev int32) (name, info string, err error) {
	var buf [256]byte
	if err := d.check("cuDeviceGetName", d.cuDeviceGetName(unsafe.Pointer(&buf[0]), int32(len(buf)), dev)); err != nil {
		return "", "", err
	}
	name = cString(&buf[0])
	var major, minor, version int32
	var mem uintptr
	for _, q := range []struct {
		call string
		r    cuResult
	}{
		{"cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)", d.cuDeviceGetAttribute(unsafe.Pointer(&major), attrComputeCapabilityMajor, dev)},
		{"cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)", d.cuDeviceGetAttribute(unsafe.Pointer(&minor), attrComputeCapabilityMinor, dev)},
		{"cuDeviceTotalMem_v2", d.cuDeviceTotalMem(unsafe.Pointer(&mem), dev)},
		{"cuDriverGetVersion", d.cuDriverGetVersion(unsafe.Pointer(&version))},
	} {
		if err := d.check(q.call, q.r); err != nil {
			return "", "", err
		}
	}
	info = fmt.Sprintf("%s: compute capability %d.%d, %.1f GiB, CUDA driver %d.%d",
		name, major, minor, float64(mem)/(1<<30), version/1000, version%1000/10)
	return name, info, nil
}

// Name is the device's name as the driver reports it, e.g. "NVIDIA H200".
func (d *Device) Name() string { return d.name }

// Info describes the device in one line: name, compute capability, memory
// and driver version.
func (d *Device) Info() string { return d.info }

// do runs f with the device's context current. A CUDA context is current
// per OS thread while goroutines move between threads, so the goroutine is
// pinned to its thread for the duration and the context is set on every
// entry; the cost is one cuCtxSetCurrent per call, which is small next to
// any GPU work. The mutex serialises calls, which also keeps the cuBLAS
// handle and the function cache single-threaded.
func (d *Device) do(f func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == 0 {
		return errClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := d.drv.check("cuCtxSetCurrent", d.drv.cuCtxSetCurrent(d.ctx)); err != nil {
		return err
	}
	return f()
}

// Synchronize waits until all work queued on the device has finished and
// reports the first error of an asynchronous operation (a kernel launch).
func (d *Device) Synchronize() error {
	return d.do(func() error {
		return d.drv.check("cuCtxSynchronize", d.drv.cuCtxSynchronize())
	})
}

// Close destroys the device's cuBLAS handle and context, which frees every
// buffer and module on it. Closing twice is a no-op.
func (d *Device) Close() error {
	err := d.do(func() error {
		var errs []error
		if d.blas != 0 {
			errs = append(errs, blasLib.check("cublasDestroy_v2", blasLib.destroy(d.blas)))
		}
		errs = append(errs, d.drv.check("cuCtxDestroy_v2", d.drv.cuCtxDestroy(d.ctx)))
		d.ctx, d.blas, d.modules, d.functions = 0, 0, nil, nil
		return errors.Join(errs...)
	})
	if errors.Is(err, errClosed) {
		return nil
	}
	return err
}
