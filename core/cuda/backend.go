package cuda

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Backend is the autograd.Backend whose matrices live in the memory of a
// Runtime: a GPU (*Device) or the host emulator (package cudaemu). Every
// value is computed by the kernels of kernels/*.cu and by the Runtime's
// GemmPtr (cuBLAS on a GPU, or the tiled kernel without it); a matrix of
// the backend has Data == nil and its device address in Dev.
//
// # Memory
//
// Step memory (New, NewUninit) comes from a few large device slabs handed
// out bump-pointer style, each matrix aligned to 256 bytes; Reset makes
// them reusable, so a training loop that draws the same shapes every step
// allocates device memory in its first step only. The matrix headers
// (tensor.Dense) of step memory are pooled the same way. Alloc is for
// persistent matrices (parameters, optimiser moments, running statistics):
// one zeroed allocation each, freed by Close. Index lists travel as int32
// through step memory.
//
// Work is queued on the Runtime in call order and runs asynchronously on
// a GPU; Download waits for it. Reset does not wait: memory a queued
// kernel still reads is only rewritten by work queued after it.
//
// # Errors
//
// The Backend's methods return nothing, as autograd.Backend's do. A
// failure of the Runtime (device memory exhausted, a kernel fault, a lost
// device) is recorded instead: Err returns the first one, and from then on
// every method does nothing (New and NewUninit return matrices with no
// storage, Dev = 0), so that a step runs to its end without touching the
// device again. Callers check Err once per step, after their Download of
// results, which is where the errors of asynchronous work surface. The
// error is sticky: a Backend that failed stays failed. Wrong shapes and
// host matrices passed where device ones belong are programming errors
// and panic, as on the CPU.
//
// A Backend is not safe for concurrent use.
type Backend struct {
	rt  Runtime
	err error

	slabs []slab
	slab  int // index of the slab being filled
	off   int // bytes used in slabs[slab]

	headers [][]tensor.Dense
	hdr     int // headers handed out since Reset

	persistent []Ptr // Alloc's allocations, for Close
	ints       []int32
	closed     bool

	// uploads are the index lists copied into step memory since Reset. A
	// step gathers by the same indices (each example's diffusion step) in
	// every layer that embeds time and scatters back by them in the
	// backward pass; each copy from pageable host memory waits for the
	// device's queue, so a list already on the device is not sent again.
	uploads   []indexUpload
	uploadBuf []int32 // host copies of the uploaded lists
}

// indexUpload is one index list in step memory and its host copy.
type indexUpload struct {
	at     Ptr
	off, n int // the copy is uploadBuf[off : off+n]
}

// slab is one device allocation that step memory is cut from.
type slab struct {
	ptr   Ptr
	bytes int
}

const (
	// slabBytes is the size of a step-memory slab (larger for a request
	// that needs more).
	slabBytes = 64 << 20
	// align is the alignment of every matrix in step memory, that of
	// cuMemAlloc: coalesced loads start at an aligned address.
	align = 256

	// block is the number of threads per block of every launch, a
	// multiple of 32 as the reducing kernels need; maxBlocks caps the
	// grid of grid-stride kernels (a few waves of a large GPU's SMs).
	block     = 256
	maxBlocks = 2048
	warpsPer  = block / 32
)

var _ autograd.Backend = (*Backend)(nil)

// NewBackend returns a backend computing on rt. It allocates nothing until
// the first matrix.
func NewBackend(rt Runtime) *Backend {
	if rt == nil {
		panic("cuda: NewBackend(nil)")
	}
	return &Backend{rt: rt}
}

// Runtime is the runtime the backend computes on.
func (b *Backend) Runtime() Runtime { return b.rt }

// Err returns the first error of the runtime since the backend was made,
// or nil. See the type's documentation.
func (b *Backend) Err() error { return b.err }

// fail records err unless an error was recorded already.
func (b *Backend) fail(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// failed reports whether a method must do nothing: an error was recorded
// (closing records one).
func (b *Backend) failed() bool { return b.err != nil }

// Synchronize waits until the queued work has finished and returns Err
// (with the error of that work, if it failed).
func (b *Backend) Synchronize() error {
	if b.err == nil {
		b.fail(b.rt.Synchronize())
	}
	return b.err
}

// Close frees the step memory and every matrix from Alloc; the backend
// and all its matrices are unusable afterwards (Err reports it). It
// returns the first error of freeing. Closing twice does nothing.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	if b.err == nil {
		if err := b.rt.Synchronize(); !errors.Is(err, errClosed) {
			errs = append(errs, err)
		}
	}
	free := func(p Ptr) {
		// A closed Device freed everything already.
		if err := b.rt.MemFree(p); !errors.Is(err, errClosed) {
			errs = append(errs, err)
		}
	}
	for _, s := range b.slabs {
		free(s.ptr)
	}
	for _, p := range b.persistent {
		free(p)
	}
	b.slabs, b.persistent, b.headers = nil, nil, nil
	b.slab, b.off, b.hdr = 0, 0, 0
	b.fail(errors.New("cuda: Backend is closed"))
	return errors.Join(errs...)
}

// ---- memory

// New returns a zeroed r×c matrix of step memory, valid until Reset.
func (b *Backend) New(r, c int) *tensor.Dense {
	d := b.NewUninit(r, c)
	b.fill(d, 0)
	return d
}

// NewUninit returns an uninitialised r×c matrix of step memory, valid
// until Reset.
func (b *Backend) NewUninit(r, c int) *tensor.Dense {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("cuda: Backend.New: negative shape %d×%d", r, c))
	}
	d := b.header()
	d.R, d.C, d.Data = r, c, nil
	d.Dev = uintptr(b.take(r * c * elemSize))
	return d
}

// Reset makes the memory and headers of every matrix from New, NewUninit
// and View (of step memory) reusable.
func (b *Backend) Reset() {
	b.slab, b.off, b.hdr = 0, 0, 0
	b.uploads, b.uploadBuf = b.uploads[:0], b.uploadBuf[:0]
}

// Alloc returns a zeroed r×c matrix that lives until Close.
func (b *Backend) Alloc(r, c int) *tensor.Dense {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("cuda: Backend.Alloc: negative shape %d×%d", r, c))
	}
	d := &tensor.Dense{R: r, C: c}
	if b.failed() {
		return d
	}
	// An empty matrix gets memory too: a device matrix is one with a
	// nonzero address.
	p, err := b.rt.MemAlloc(max(r*c*elemSize, align))
	if err != nil {
		b.fail(fmt.Errorf("cuda: Backend.Alloc(%d, %d): %w", r, c, err))
		return d
	}
	b.persistent = append(b.persistent, p)
	d.Dev = uintptr(p)
	b.fill(d, 0)
	return d
}

// View returns x's storage read as an r×c matrix. The header of a view of
// step memory is pooled (valid until Reset, like the storage); that of a
// view of an Alloc matrix is the caller's to keep.
func (b *Backend) View(x *tensor.Dense, r, c int) *tensor.Dense {
	if r < 0 || c < 0 || r*c != x.R*x.C {
		panic(fmt.Sprintf("cuda: Backend.View of a %d×%d matrix as %d×%d", x.R, x.C, r, c))
	}
	b.mustDevice("View", x)
	var d *tensor.Dense
	if b.inStep(Ptr(x.Dev)) {
		d = b.header()
	} else {
		d = new(tensor.Dense)
	}
	*d = tensor.Dense{R: r, C: c, Dev: x.Dev}
	return d
}

func (b *Backend) header() *tensor.Dense {
	const chunk = 256
	i, j := b.hdr/chunk, b.hdr%chunk
	if i == len(b.headers) {
		b.headers = append(b.headers, make([]tensor.Dense, chunk))
	}
	b.hdr++
	return &b.headers[i][j]
}

// take returns the address of bytes of step memory (aligned), or 0 after
// an error. A request of 0 bytes gets a valid address too.
func (b *Backend) take(bytes int) Ptr {
	if b.failed() {
		return 0
	}
	bytes = (bytes + align - 1) &^ (align - 1)
	for {
		if b.slab == len(b.slabs) {
			s, err := b.newSlab(bytes)
			if err != nil {
				b.fail(err)
				return 0
			}
			b.slabs = append(b.slabs, s)
		}
		s := &b.slabs[b.slab]
		if b.off+bytes <= s.bytes {
			p := s.ptr + Ptr(b.off)
			b.off += bytes
			return p
		}
		if b.off == 0 {
			// A slab kept from an earlier step is too small for this
			// request: replace it rather than skipping it forever. Queued
			// work may still read it, so wait for the device first.
			if err := b.rt.Synchronize(); err != nil {
				b.fail(err)
				return 0
			}
			if err := b.rt.MemFree(s.ptr); err != nil {
				b.fail(err)
				return 0
			}
			ns, err := b.newSlab(bytes)
			if err != nil {
				s.ptr, s.bytes = 0, 0
				b.fail(err)
				return 0
			}
			*s = ns
			continue
		}
		b.slab++
		b.off = 0
	}
}

func (b *Backend) newSlab(bytes int) (slab, error) {
	n := max(slabBytes, bytes)
	p, err := b.rt.MemAlloc(n)
	if err != nil {
		return slab{}, fmt.Errorf("cuda: Backend: step memory of %d bytes: %w", n, err)
	}
	return slab{p, n}, nil
}

// inStep reports whether p is an address in step memory.
func (b *Backend) inStep(p Ptr) bool {
	for _, s := range b.slabs {
		if p >= s.ptr && p <= s.ptr+Ptr(s.bytes) {
			return true
		}
	}
	return false
}

// uploadInts copies the host ints into step memory as int32 and returns
// their address (0 after an error), or the address of the same list
// uploaded earlier in the step (kernels only read index lists).
func (b *Backend) uploadInts(v []int32) Ptr {
	for _, u := range b.uploads {
		if slices.Equal(b.uploadBuf[u.off:u.off+u.n], v) {
			return u.at
		}
	}
	p := b.take(len(v) * 4)
	if p == 0 || len(v) == 0 {
		return p
	}
	b.fail(b.rt.CopyHtoD(p, unsafe.Pointer(&v[0]), len(v)*4))
	runtime.KeepAlive(v)
	if !b.failed() && len(b.uploads) < maxIndexUploads {
		b.uploads = append(b.uploads, indexUpload{at: p, off: len(b.uploadBuf), n: len(v)})
		b.uploadBuf = append(b.uploadBuf, v...)
	}
	return p
}

// maxIndexUploads bounds the lists a step remembers, and so the host
// comparisons per upload.
const maxIndexUploads = 32

// hostInts returns the backend's host scratch of n int32, reused by every
// index upload (copies are synchronous with respect to the host).
func (b *Backend) hostInts(n int) []int32 {
	if cap(b.ints) < n {
		b.ints = make([]int32, n)
	}
	return b.ints[:n]
}

// ---- checks

func (b *Backend) mustDevice(op string, xs ...*tensor.Dense) {
	for _, x := range xs {
		if x.Data != nil {
			panic(fmt.Sprintf("cuda: Backend.%s: a host matrix (%d×%d) where a device one belongs", op, x.R, x.C))
		}
	}
}

func mustShape(op string, x *tensor.Dense, r, c int) {
	if x.R != r || x.C != c {
		panic(fmt.Sprintf("cuda: Backend.%s: a %d×%d matrix where %d×%d belongs", op, x.R, x.C, r, c))
	}
}

func mustSame(op string, a, b *tensor.Dense) { mustShape(op, b, a.R, a.C) }

// ---- launches

// Kernel entry names, computed once, each registered in backendKernels: the
// one list of the kernels the backend launches (see Kernels).
var (
	kFill              = kernel("fill")
	kBinary            = kernel("binary")
	kUnary             = kernel("unary")
	kRowBinary         = kernel("row_binary")
	kColMul            = kernel("col_mul")
	kBroadcastRows     = kernel("broadcast_rows")
	kBroadcastCols     = kernel("broadcast_cols")
	kBroadcastAll      = kernel("broadcast_all")
	kMaskedScale       = kernel("masked_scale")
	kZeroWherePositive = kernel("zero_where_positive")
	kCopyCols          = kernel("copy_cols")
	kLerp              = kernel("lerp")
	kAdam              = kernel("adam")
	kRowSum            = kernel("rowsum")
	kSumRows           = kernel("sum_rows")
	kSumCols           = kernel("sum_cols")
	kSumAll            = kernel("sum_all")
	kMaxRows           = kernel("max_rows")
	kGatherRows        = kernel("gather_rows")
	kScatterRows       = kernel("scatter_rows")
	kGatherCols        = kernel("gather_cols")
	kScatterCols       = kernel("scatter_cols")
	kGatherInRows      = kernel("gather_in_rows")
	kScatterInRows     = kernel("scatter_in_rows")
	kMapCols           = kernel("map_cols")
	kNormal            = kernel("normal")
	kColMulSum         = kernel("col_mul_sum")
	kGaussianWarp      = kernel("gaussian_log_pdf_warp")
	kGaussianBlock     = kernel("gaussian_log_pdf_block")
)

// backendKernels lists the operation names of the kernels the backend
// launches, as the declarations above register them.
var backendKernels []string

// kernel registers the kernel for op and returns its entry name.
func kernel(op string) string {
	backendKernels = append(backendKernels, op)
	return KernelName(op)
}

// Kernels returns the operation names of every kernel the backend
// launches; each exists as op_f32 and op_f64 in the embedded PTX.
func Kernels() []string { return slices.Clone(backendKernels) }

// blocks is the grid of a grid-stride kernel over n items: one thread per
// item up to maxBlocks blocks, at least one block.
func blocks(n int) uint32 {
	return uint32(min(max((n+block-1)/block, 1), maxBlocks))
}

// launch queues a kernel on a 1-D grid of block-thread blocks.
func (b *Backend) launch(name string, grid uint32, args ...any) {
	b.launch2(name, grid, 1, args...)
}

func (b *Backend) launch2(name string, gridX, gridY uint32, args ...any) {
	if err := b.rt.Launch(name, [3]uint32{gridX, gridY, 1}, [3]uint32{block, 1, 1}, args...); err != nil {
		b.fail(err)
	}
}

func dev(x *tensor.Dense) Ptr { return Ptr(x.Dev) }

func (b *Backend) fill(d *tensor.Dense, v tensor.Float) {
	n := d.R * d.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kFill, blocks(n), n, v, dev(d))
}
