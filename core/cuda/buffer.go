package cuda

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// elemSize is the size in bytes of one element: buffers hold tensor.Float,
// float32 or float64 with the f64 build tag, like the CPU tensors.
const elemSize = int(unsafe.Sizeof(tensor.Float(0)))

// Buffer is device memory holding n tensor.Float values. It is freed by
// Free or by closing its Device; there is no finalizer, since the garbage
// collector sees neither device memory pressure nor the context a free
// would need.
type Buffer struct {
	dev   *Device
	ptr   uint64 // CUdeviceptr; 0 for an empty buffer
	n     int
	freed bool
}

// Alloc allocates an uninitialised buffer of n elements.
func (d *Device) Alloc(n int) (*Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("cuda: Alloc(%d): negative length", n)
	}
	b := &Buffer{dev: d, n: n}
	err := d.do(func() error {
		if n == 0 {
			return nil // cuMemAlloc rejects 0 bytes; an empty buffer needs no memory
		}
		if r := d.drv.cuMemAlloc(unsafe.Pointer(&b.ptr), uintptr(n*elemSize)); r != cudaSuccess {
			return d.drv.check(fmt.Sprintf("cuMemAlloc_v2(%d bytes)", n*elemSize), r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Len is the number of elements (0 after Free).
func (b *Buffer) Len() int { return b.n }

// Free releases the memory. Freeing twice, or after the device was closed
// (which freed everything), is a no-op.
func (b *Buffer) Free() error {
	if b.freed {
		return nil
	}
	var err error
	if b.ptr != 0 {
		err = b.dev.do(func() error { return b.dev.drv.check("cuMemFree_v2", b.dev.drv.cuMemFree(b.ptr)) })
		if errors.Is(err, errClosed) {
			err = nil
		}
	}
	b.ptr, b.n, b.freed = 0, 0, true
	return err
}

// usableOn reports why b cannot be used by an operation on d, if it cannot.
func (b *Buffer) usableOn(d *Device) error {
	switch {
	case b == nil:
		return errors.New("nil buffer")
	case b.freed:
		return errors.New("buffer was freed")
	case b.dev != d:
		return errors.New("buffer belongs to another device")
	}
	return nil
}

func (b *Buffer) checkLen(op string, n int) error {
	if b == nil || b.freed {
		return fmt.Errorf("cuda: %s: %w", op, b.usableOn(nil))
	}
	if n != b.n {
		return fmt.Errorf("cuda: %s: %d elements into a buffer of %d", op, n, b.n)
	}
	return nil
}

// CopyFromHost copies src, which must have exactly Len elements, to the
// device. It returns once src may be reused.
func (b *Buffer) CopyFromHost(src []tensor.Float) error {
	if err := b.checkLen("CopyFromHost", len(src)); err != nil || b.n == 0 {
		return err
	}
	d := b.dev
	return d.do(func() error {
		return d.drv.check("cuMemcpyHtoD_v2", d.drv.cuMemcpyHtoD(b.ptr, unsafe.Pointer(&src[0]), uintptr(b.n*elemSize)))
	})
}

// CopyToHost copies the buffer into dst, which must have exactly Len
// elements. It waits for the work queued before it, so it also reports
// errors of earlier kernel launches.
func (b *Buffer) CopyToHost(dst []tensor.Float) error {
	if err := b.checkLen("CopyToHost", len(dst)); err != nil || b.n == 0 {
		return err
	}
	d := b.dev
	return d.do(func() error {
		return d.drv.check("cuMemcpyDtoH_v2", d.drv.cuMemcpyDtoH(unsafe.Pointer(&dst[0]), b.ptr, uintptr(b.n*elemSize)))
	})
}

// CopyFrom copies src, a buffer of the same length on the same device,
// into b without a trip through the host.
func (b *Buffer) CopyFrom(src *Buffer) error {
	if err := src.usableOn(b.dev); err != nil {
		return fmt.Errorf("cuda: CopyFrom: source: %w", err)
	}
	if err := b.checkLen("CopyFrom", src.n); err != nil || b.n == 0 {
		return err
	}
	d := b.dev
	return d.do(func() error {
		return d.drv.check("cuMemcpyDtoD_v2", d.drv.cuMemcpyDtoD(b.ptr, src.ptr, uintptr(b.n*elemSize)))
	})
}

// Zero sets every element to 0. All-zero bits are 0.0 in both float32 and
// float64, so one 32-bit memset serves either element type.
func (b *Buffer) Zero() error {
	if err := b.checkLen("Zero", b.n); err != nil || b.n == 0 {
		return err
	}
	d := b.dev
	return d.do(func() error {
		return d.drv.check("cuMemsetD32_v2", d.drv.cuMemsetD32(b.ptr, 0, uintptr(b.n*elemSize/4)))
	})
}
