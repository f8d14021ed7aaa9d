package cuda

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"runtime"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

//go:generate go run genopcodes.go
//go:generate sh kernels/gen.sh

// ptxFiles holds the kernels compiled to PTX by kernels/gen.sh. Embedding
// PTX rather than a cubin lets the driver JIT-compile it for whatever card
// it finds (compute capability 8.0 and later), and spares users nvcc.
//
//go:embed kernels/*.ptx
var ptxFiles embed.FS

// module is one loaded PTX file.
type module struct {
	file   string
	handle uintptr // CUmodule
}

// KernelName returns the name of the variant of a kernel that works on
// tensor.Float: every kernel exists as op_f32 and op_f64.
func KernelName(op string) string {
	if tensor.Is64 {
		return op + "_f64"
	}
	return op + "_f32"
}

// Launch queues the kernel name (a full entry name, see KernelName) on a
// grid of grid[0]×grid[1]×grid[2] blocks of block[0]×block[1]×block[2]
// threads. The arguments must match the kernel's parameters in order and
// type: *Buffer or Ptr for a pointer, int or int32 for int (an int is
// checked to fit), uint32, int64, uint64, float32 for float and float64
// for double.
// Launch is asynchronous: a fault in the kernel surfaces at the next
// synchronising call (Synchronize, CopyToHost).
//
// The first Launch on a device loads the embedded PTX, which the driver
// compiles for the card then.
func (d *Device) Launch(name string, grid, block [3]uint32, args ...any) error {
	for i := range 3 {
		if grid[i] == 0 || block[i] == 0 {
			return fmt.Errorf("cuda: Launch(%q): grid %v and block %v must have no zero dimension", name, grid, block)
		}
	}
	// Each argument gets an 8-byte slot (every supported type fits) and
	// cuLaunchKernel gets an array of pointers to the slots, as it expects
	// a void* per parameter. The slots are pinned because that array, which
	// C reads, holds pointers into Go memory.
	slots := make([]uint64, len(args))
	ptrs := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		p := unsafe.Pointer(&slots[i])
		switch v := a.(type) {
		case *Buffer:
			if err := v.usableOn(d); err != nil {
				return fmt.Errorf("cuda: Launch(%q): argument %d: %w", name, i, err)
			}
			slots[i] = v.ptr
		case Ptr:
			slots[i] = uint64(v)
		case int:
			if v < math.MinInt32 || v > math.MaxInt32 {
				return fmt.Errorf("cuda: Launch(%q): argument %d: %d does not fit a C int", name, i, v)
			}
			*(*int32)(p) = int32(v)
		case int32:
			*(*int32)(p) = v
		case uint32:
			*(*uint32)(p) = v
		case int64:
			*(*int64)(p) = v
		case uint64:
			slots[i] = v
		case float32:
			*(*float32)(p) = v
		case float64:
			*(*float64)(p) = v
		default:
			return fmt.Errorf("cuda: Launch(%q): argument %d has type %T; want *Buffer, Ptr, int, int32, uint32, int64, uint64, float32 or float64", name, i, a)
		}
		ptrs[i] = p
	}
	var params unsafe.Pointer
	if len(args) > 0 {
		var pin runtime.Pinner
		pin.Pin(&slots[0])
		defer pin.Unpin()
		params = unsafe.Pointer(&ptrs[0])
	}
	return d.do(func() error {
		fn, err := d.function(name)
		if err != nil {
			return err
		}
		r := d.drv.cuLaunchKernel(fn, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, 0, params, nil)
		if r != cudaSuccess { // format the call's name only on failure: launches are frequent
			return d.drv.check(fmt.Sprintf("cuLaunchKernel(%s)", name), r)
		}
		return nil
	})
}

// function finds a kernel in the embedded modules, loading them on first
// use. It runs with the context current.
func (d *Device) function(name string) (uintptr, error) {
	if fn, ok := d.functions[name]; ok {
		return fn, nil
	}
	if d.modules == nil {
		if err := d.loadModules(); err != nil {
			return 0, err
		}
	}
	for _, m := range d.modules {
		var fn uintptr
		r := d.drv.cuModuleGetFunction(unsafe.Pointer(&fn), m.handle, name)
		if r == cudaErrorNotFound {
			continue
		}
		if err := d.drv.check(fmt.Sprintf("cuModuleGetFunction(%s, %s)", m.file, name), r); err != nil {
			return 0, err
		}
		d.functions[name] = fn
		return fn, nil
	}
	files := make([]string, len(d.modules))
	for i, m := range d.modules {
		files[i] = m.file
	}
	return 0, fmt.Errorf("cuda: no kernel %q in the embedded PTX %v", name, files)
}

func (d *Device) loadModules() error {
	files, err := fs.Glob(ptxFiles, "kernels/*.ptx")
	if err != nil {
		return err
	}
	modules := make([]module, 0, len(files))
	for _, f := range files {
		src, err := ptxFiles.ReadFile(f)
		if err != nil {
			return err
		}
		// cuModuleLoadData reads PTX as a NUL-terminated string.
		image := append(src[:len(src):len(src)], 0)
		var h uintptr
		if err := d.drv.check(fmt.Sprintf("cuModuleLoadData(%s)", f), d.drv.cuModuleLoadData(unsafe.Pointer(&h), unsafe.Pointer(&image[0]))); err != nil {
			return err
		}
		modules = append(modules, module{file: f, handle: h})
	}
	d.modules, d.functions = modules, make(map[string]uintptr)
	return nil
}
