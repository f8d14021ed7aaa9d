package cudaemu

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Runtime is a cuda.Runtime on the host: memory from the C heap, copies
// by memmove, kernels run by the emulation library, GemmPtr by
// tensor.Gemm. Its methods may be called from any goroutine; they are
// serialised, and launches of all Runtimes in the process are too.
//
// It checks more than a GPU does: every address given to a copy, to
// GemmPtr or as a kernel's pointer argument must lie in a live allocation
// of this Runtime (copies and GemmPtr: the whole range), and kernel
// arguments must match the kernel's parameters in number and type.
type Runtime struct {
	lib *library

	mu     sync.Mutex
	allocs []allocation // sorted by addr
	bytes  int
	closed bool
}

// allocation is one block from MemAlloc.
type allocation struct {
	base unsafe.Pointer
	addr uintptr
	size int
}

var _ cuda.Runtime = (*Runtime)(nil)

// New returns a Runtime with no allocations. The first call in a process
// builds the emulation library from cuda.KernelSources (or finds it in
// the cache, see the package documentation) and loads it; the error
// wraps ErrNoCompiler when no C++ compiler was found, and holds the
// compiler's messages when the build failed.
func New() (*Runtime, error) {
	l, err := load()
	if err != nil {
		return nil, err
	}
	return &Runtime{lib: l}, nil
}

// Kernels returns the names of the kernels Launch can run, sorted.
func (r *Runtime) Kernels() []string { return slices.Clone(r.lib.names) }

// Allocations returns how many allocations are live and their total size
// in bytes: tests check with it that code frees what it allocates.
func (r *Runtime) Allocations() (count, bytes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.allocs), r.bytes
}

// Close frees every live allocation. The Runtime is unusable afterwards;
// Close itself may be called again.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.allocs {
		r.lib.free(a.base)
	}
	r.allocs, r.bytes, r.closed = nil, 0, true
	return nil
}

var errClosed = errors.New("cudaemu: Runtime is closed")

// MemAlloc returns bytes of memory aligned to 256 bytes, as cuMemAlloc
// does. New memory holds 0xff bytes (NaN as float32 and float64), so
// that code reading what it never wrote shows in results. Zero bytes give
// address 0, as Device.MemAlloc does.
func (r *Runtime) MemAlloc(bytes int) (cuda.Ptr, error) {
	if bytes < 0 {
		return 0, fmt.Errorf("cudaemu: MemAlloc(%d): negative size", bytes)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errClosed
	}
	if bytes == 0 {
		return 0, nil
	}
	p := r.lib.alloc(uintptr(bytes))
	if p == nil {
		return 0, fmt.Errorf("cudaemu: MemAlloc(%d): out of memory", bytes)
	}
	a := allocation{base: p, addr: uintptr(p), size: bytes}
	i := sort.Search(len(r.allocs), func(i int) bool { return r.allocs[i].addr > a.addr })
	r.allocs = slices.Insert(r.allocs, i, a)
	r.bytes += bytes
	return cuda.Ptr(a.addr), nil
}

// MemFree frees memory from MemAlloc; freeing address 0 does nothing. An
// address that is not the start of a live allocation is an error.
func (r *Runtime) MemFree(p cuda.Ptr) error {
	if p == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	i, ok := slices.BinarySearchFunc(r.allocs, uintptr(p), func(a allocation, addr uintptr) int {
		switch {
		case a.addr < addr:
			return -1
		case a.addr > addr:
			return 1
		}
		return 0
	})
	if !ok {
		return fmt.Errorf("cudaemu: MemFree(%#x): %s", uint64(p), r.describe(uintptr(p)))
	}
	r.lib.free(r.allocs[i].base)
	r.bytes -= r.allocs[i].size
	r.allocs = slices.Delete(r.allocs, i, i+1)
	return nil
}

// find returns the allocation holding [p, p+bytes), bytes ≥ 0, and the
// offset of p in it. r.mu is held.
func (r *Runtime) find(p uintptr, bytes int) (allocation, uintptr, bool) {
	i := sort.Search(len(r.allocs), func(i int) bool { return r.allocs[i].addr > p }) - 1
	if i < 0 {
		return allocation{}, 0, false
	}
	a := r.allocs[i]
	off := p - a.addr
	if off > uintptr(a.size) || uintptr(bytes) > uintptr(a.size)-off {
		return allocation{}, 0, false
	}
	return a, off, true
}

// describe says why p is not what was expected. r.mu is held.
func (r *Runtime) describe(p uintptr) string {
	i := sort.Search(len(r.allocs), func(i int) bool { return r.allocs[i].addr > p }) - 1
	if i >= 0 && p < r.allocs[i].addr+uintptr(r.allocs[i].size) {
		a := r.allocs[i]
		return fmt.Sprintf("address is %d bytes into the %d-byte allocation at %#x", p-a.addr, a.size, a.addr)
	}
	return "address is in no live allocation (never allocated, or freed)"
}

// checkRange checks that [p, p+bytes) lies in one live allocation.
// r.mu is held.
func (r *Runtime) checkRange(op, what string, p cuda.Ptr, bytes int) (allocation, uintptr, error) {
	a, off, ok := r.find(uintptr(p), bytes)
	if !ok {
		why := r.describe(uintptr(p))
		if _, _, in := r.find(uintptr(p), 0); in {
			why = fmt.Sprintf("%s, which %d bytes from there overrun", why, bytes)
		}
		return a, 0, fmt.Errorf("cudaemu: %s: %s %#x: %s", op, what, uint64(p), why)
	}
	return a, off, nil
}

func checkCopy(op string, bytes int) (bool, error) {
	if bytes < 0 {
		return false, fmt.Errorf("cudaemu: %s of %d bytes", op, bytes)
	}
	return bytes > 0, nil
}

// CopyHtoD copies bytes from host memory at src to dst.
func (r *Runtime) CopyHtoD(dst cuda.Ptr, src unsafe.Pointer, bytes int) error {
	if do, err := checkCopy("CopyHtoD", bytes); !do {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	a, off, err := r.checkRange("CopyHtoD", "destination", dst, bytes)
	if err != nil {
		return err
	}
	if src == nil {
		return errors.New("cudaemu: CopyHtoD: host source address 0")
	}
	r.lib.memmove(unsafe.Add(a.base, off), src, uintptr(bytes))
	return nil
}

// CopyDtoH copies bytes from src to host memory at dst.
func (r *Runtime) CopyDtoH(dst unsafe.Pointer, src cuda.Ptr, bytes int) error {
	if do, err := checkCopy("CopyDtoH", bytes); !do {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	a, off, err := r.checkRange("CopyDtoH", "source", src, bytes)
	if err != nil {
		return err
	}
	if dst == nil {
		return errors.New("cudaemu: CopyDtoH: host destination address 0")
	}
	r.lib.memmove(dst, unsafe.Add(a.base, off), uintptr(bytes))
	return nil
}

// CopyDtoD copies bytes from src to dst; the ranges may overlap.
func (r *Runtime) CopyDtoD(dst, src cuda.Ptr, bytes int) error {
	if do, err := checkCopy("CopyDtoD", bytes); !do {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	da, doff, err := r.checkRange("CopyDtoD", "destination", dst, bytes)
	if err != nil {
		return err
	}
	sa, soff, err := r.checkRange("CopyDtoD", "source", src, bytes)
	if err != nil {
		return err
	}
	r.lib.memmove(unsafe.Add(da.base, doff), unsafe.Add(sa.base, soff), uintptr(bytes))
	return nil
}

// Synchronize does nothing: every call completes before it returns.
func (r *Runtime) Synchronize() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	return nil
}

// GemmPtr is Device.GemmPtr, computed by tensor.Gemm: c (m×n) =
// alpha·op(a)·op(b) + beta·c on densely packed row-major matrices of
// tensor.Float, a being m×k (k×m when transA) and b k×n (n×k when
// transB). c must not overlap a or b. With beta = 0, c is not read. Empty
// products (m or n zero) do nothing; with k = 0, c is scaled by beta.
func (r *Runtime) GemmPtr(transA, transB bool, m, n, k int, alpha float64, a, b cuda.Ptr, beta float64, c cuda.Ptr) error {
	if m < 0 || n < 0 || k < 0 || m > math.MaxInt32 || n > math.MaxInt32 || k > math.MaxInt32 {
		return fmt.Errorf("cudaemu: GemmPtr: sizes m=%d n=%d k=%d out of range", m, n, k)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	if m == 0 || n == 0 {
		return nil
	}
	const elem = int(unsafe.Sizeof(tensor.Float(0)))
	operand := func(name string, p cuda.Ptr, rows, cols int) (*tensor.Dense, error) {
		if rows*cols == 0 {
			return tensor.FromSlice(rows, cols, nil), nil
		}
		al, off, err := r.checkRange("GemmPtr", fmt.Sprintf("%s (%d×%d)", name, rows, cols), p, rows*cols*elem)
		if err != nil {
			return nil, err
		}
		if uintptr(p)%uintptr(elem) != 0 {
			return nil, fmt.Errorf("cudaemu: GemmPtr: %s %#x is not aligned to %d bytes", name, uint64(p), elem)
		}
		data := unsafe.Slice((*tensor.Float)(unsafe.Add(al.base, off)), rows*cols)
		return tensor.FromSlice(rows, cols, data), nil
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	da, err := operand("a", a, ar, ac)
	if err != nil {
		return err
	}
	db, err := operand("b", b, br, bc)
	if err != nil {
		return err
	}
	dc, err := operand("c", c, m, n)
	if err != nil {
		return err
	}
	overlaps := func(p cuda.Ptr, bytes int) bool {
		return bytes > 0 && uintptr(p) < uintptr(c)+uintptr(m*n*elem) && uintptr(c) < uintptr(p)+uintptr(bytes)
	}
	if overlaps(a, m*k*elem) || overlaps(b, k*n*elem) {
		return errors.New("cudaemu: GemmPtr: c overlaps a or b")
	}
	tensor.Gemm(transA, transB, tensor.Float(alpha), da, db, tensor.Float(beta), dc)
	return nil
}

// Launch runs the kernel name (a full entry name, see cuda.KernelName) on
// a grid of grid[0]×grid[1]×grid[2] blocks of block[0]×block[1]×block[2]
// threads, and returns when it has finished. Arguments are packed as
// Device.Launch packs them, one 8-byte slot each, and must match the
// kernel's parameters: cuda.Ptr for a pointer (0, or an address in a live
// allocation), int (checked to fit) or int32 for int, uint32 for unsigned
// (or a non-negative int or int32), int64 for long long, uint64 for
// unsigned long long, float32 for float and float64 for double.
//
// A kernel's failed assert or __trap, or a deadlock at its barriers, is
// an error; an out-of-bounds access in a kernel is not detected.
func (r *Runtime) Launch(name string, grid, block [3]uint32, args ...any) error {
	k, ok := r.lib.kernels[name]
	if !ok {
		return fmt.Errorf("cudaemu: Launch(%q): no such kernel (there are %d: %s)",
			name, len(r.lib.names), strings.Join(r.lib.names, " "))
	}
	for i := range 3 {
		if grid[i] == 0 || block[i] == 0 {
			return fmt.Errorf("cudaemu: Launch(%q): grid %v and block %v must have no zero dimension", name, grid, block)
		}
	}
	if threads := uint64(block[0]) * uint64(block[1]) * uint64(block[2]); threads > 1024 || block[0] > 1024 || block[1] > 1024 || block[2] > 64 {
		return fmt.Errorf("cudaemu: Launch(%q): block %v: at most 1024 threads, 1024×1024×64", name, block)
	}
	if grid[0] > math.MaxInt32 || grid[1] > 65535 || grid[2] > 65535 {
		return fmt.Errorf("cudaemu: Launch(%q): grid %v: at most (2³¹−1)×65535×65535 blocks", name, grid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	slots, err := r.pack(name, k.sig, args)
	if err != nil {
		return err
	}
	var slotPtr unsafe.Pointer
	if len(slots) > 0 {
		slotPtr = unsafe.Pointer(&slots[0])
	}
	msg := make([]byte, 1024)
	launchMu.Lock()
	rc := r.lib.launch(k.index, grid[0], grid[1], grid[2], block[0], block[1], block[2], slotPtr, unsafe.Pointer(&msg[0]), int32(len(msg)))
	launchMu.Unlock()
	if rc != 0 {
		if n := slices.Index(msg, 0); n >= 0 {
			msg = msg[:n]
		}
		return fmt.Errorf("cudaemu: Launch(%q, grid %v, block %v): %s", name, grid, block, msg)
	}
	return nil
}
