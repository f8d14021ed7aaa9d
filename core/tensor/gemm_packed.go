//go:build amd64 && !f64

package tensor

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// A kernel is a register-blocked micro-kernel together with the cache
// blocking that suits it. fn adds alpha times a packed mr×k A panel times a
// packed k×nr B panel to an mr×nr tile of c; set, where there is one,
// stores that product in the tile without reading it. strided and
// setStrided, where there are, are fn and set reading the A panel in
// place from a (its rows a row stride apart, its steps a k stride apart),
// which spares packing it: for an A panel used by few B panels (a product
// with few columns, such as a convolution's) packing costs as much as the
// multiplication.
type kernel struct {
	name                string // the instruction set, for benchmarks
	fn, set             func(k int, a, b, c *float32, ldc int, alpha float32)
	strided, setStrided func(k int, a *float32, rowStride, kStride int, b, c *float32, ldc int, alpha float32)
	mr, nr              int
	mc, nc, kc          int // block sizes; mc is a multiple of mr, nc of nr
	bufs                freeList[packBuf]
}

// packBuf holds one goroutine's packed blocks and the scratch tile that
// edge tiles are computed into before their valid part is added to c.
type packBuf struct {
	a, b, tile []float32
}

// freeList is a stack of values for reuse. Unlike a sync.Pool it keeps
// them across collections and hands them to any processor, so steady-state
// calls never allocate; it holds no more values than have been in use at
// once.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
}

func (f *freeList[T]) get() *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.items)
	if n == 0 {
		return new(T)
	}
	x := f.items[n-1]
	f.items = f.items[:n-1]
	return x
}

func (f *freeList[T]) put(x *T) {
	f.mu.Lock()
	f.items = append(f.items, x)
	f.mu.Unlock()
}

// alignedFloats returns n floats starting on a cache line, so that no
// vector load from a packed B panel straddles two lines.
func alignedFloats(n int) []float32 {
	const line = 64
	s := make([]float32, n+line/4)
	skip := (line - int(uintptr(unsafe.Pointer(&s[0]))%line)) % line / 4
	return s[skip : skip+n]
}

// parallelWork is the number of multiply-adds (about 30µs of one core's
// time) below which handing part of a product to another goroutine costs
// more than it saves.
const parallelWork = 1 << 21

// gemm and gemmSet have the contracts of the package variables gemm and
// gemmSet.
func (kn *kernel) gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	kn.product(false, transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

func (kn *kernel) gemmSet(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	kn.product(true, transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

// product is gemmSet if set, else gemm. It splits large products into
// tile-aligned slabs of rows or columns of c, one per available
// processor, and runs each with gemmSerial.
func (kn *kernel) product(set, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	// Packing bounds-checks what it packs, but full tiles of c and A
	// panels read in place go straight to assembly, so they are checked
	// here once.
	if len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("tensor: gemm: %d elements cannot hold %d×%d rows %d apart", len(c), m, n, ldc))
	}
	if kn.strided != nil {
		ar, ac := m, k // the shape of a
		if transA {
			ar, ac = k, m
		}
		if len(a) < (ar-1)*lda+ac {
			panic(fmt.Sprintf("tensor: gemm: %d elements cannot hold %d×%d rows %d apart", len(a), ar, ac, lda))
		}
	}
	tilesM, tilesN := (m+kn.mr-1)/kn.mr, (n+kn.nr-1)/kn.nr
	parts := min(runtime.GOMAXPROCS(0), m*n*k/parallelWork, max(tilesM, tilesN))
	if parts <= 1 {
		kn.gemmSerial(set, transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		return
	}

	call := gemmCalls.get()
	if cap(call.jobs) < parts {
		call.jobs = make([]gemmJob, parts)
	}
	jobs := call.jobs[:parts]
	for p := range jobs {
		j := &jobs[p]
		*j = gemmJob{kn: kn, call: call, set: set, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
		// Split the dimension with more tiles, so each part stays wide
		// enough for whole tiles.
		if tilesN >= tilesM {
			j0, j1 := p*tilesN/parts*kn.nr, min((p+1)*tilesN/parts*kn.nr, n)
			j.n, j.c = j1-j0, c[j0:]
			if transB {
				j.b = b[j0*ldb:]
			} else {
				j.b = b[j0:]
			}
		} else {
			i0, i1 := p*tilesM/parts*kn.mr, min((p+1)*tilesM/parts*kn.mr, m)
			j.m, j.c = i1-i0, c[i0*ldc:]
			if transA {
				j.a = a[i0:]
			} else {
				j.a = a[i0*lda:]
			}
		}
	}
	call.wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		gemmQueue <- &jobs[p]
		go runGemmJob()
	}
	jobs[0].run()
	call.wg.Wait()
	// Drop the references to the caller's matrices before reuse.
	clear(jobs)
	gemmCalls.put(call)
}

// A gemmCall is the bookkeeping of one split product, reused so that
// splitting allocates nothing.
type gemmCall struct {
	wg   sync.WaitGroup
	jobs []gemmJob
}

var gemmCalls freeList[gemmCall]

// gemmJob is one part of a split product.
type gemmJob struct {
	kn                  *kernel
	call                *gemmCall
	set, transA, transB bool
	m, n, k             int
	alpha               float32
	a, b, c             []float32
	lda, ldb, ldc       int
}

func (j *gemmJob) run() {
	j.kn.gemmSerial(j.set, j.transA, j.transB, j.m, j.n, j.k, j.alpha, j.a, j.lda, j.b, j.ldb, j.c, j.ldc)
}

// gemmQueue hands jobs to the goroutines gemm starts: a go statement with
// arguments allocates a closure, one without does not. Each goroutine takes
// exactly one job, so it does not matter which call's job it gets.
var gemmQueue = make(chan *gemmJob, 64)

func runGemmJob() {
	j := <-gemmQueue
	j.run()
	j.call.wg.Done()
}

// gemmSerial is gemm on the calling goroutine, blocked as in BLIS: a kc×nc
// block of op(b) is packed to stay in L2, an mc×kc block of op(a) is packed
// beside it (or its whole panels read in place by a kernel that can), and
// the micro-kernel sweeps B panels (streamed from L2) across each A panel
// (held in L1). If set, the first block of k overwrites c
// (with kn.set, or after clearing c for a kernel without one).
func (kn *kernel) gemmSerial(set, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if set && kn.set == nil {
		for i := range m {
			clear(c[i*ldc:][:n])
		}
		set = false
	}
	buf := kn.bufs.get()
	defer kn.bufs.put(buf)
	if buf.a == nil {
		buf.a, buf.b = alignedFloats(kn.mc*kn.kc), alignedFloats(kn.nc*kn.kc)
		buf.tile = make([]float32, kn.mr*kn.nr)
	}
	mr, nr := kn.mr, kn.nr
	// Where row r, step p of op(a) is in a.
	rowStride, kStride := lda, 1
	if transA {
		rowStride, kStride = 1, lda
	}
	for j0 := 0; j0 < n; j0 += kn.nc {
		nb := min(kn.nc, n-j0)
		for p0 := 0; p0 < k; p0 += kn.kc {
			kb := min(kn.kc, k-p0)
			first := set && p0 == 0
			packB(buf.b, transB, b, ldb, p0, kb, j0, nb, nr)
			for i0 := 0; i0 < m; i0 += kn.mc {
				mb := min(kn.mc, m-i0)
				whole := 0 // panels [0, whole) are read in place, the rest packed
				if kn.strided != nil {
					whole = mb - mb%mr
				}
				if whole < mb {
					packA(buf.a, transA, a, lda, i0+whole, mb-whole, p0, kb, mr)
				}
				for ir := 0; ir < mb; ir += mr {
					direct := ir < whole
					var ap *float32
					if direct {
						ap = &a[(i0+ir)*rowStride+p0*kStride]
						if kStride == 1 && ir+mr < whole {
							// The next panel's rows, likely in memory
							// rather than cache (a large a is streamed
							// once), are fetched while this panel's
							// tiles are computed rather than when the
							// kernel first stalls on them.
							prefetchRows(&a[(i0+ir+mr)*rowStride+p0], rowStride, kb)
						}
					} else {
						ap = &buf.a[(ir-whole)*kb]
					}
					rows := min(mr, mb-ir)
					for jr := 0; jr < nb; jr += nr {
						bp := &buf.b[jr*kb]
						ct := (i0+ir)*ldc + j0 + jr
						cols := min(nr, nb-jr)
						if rows == mr && cols == nr {
							kn.tile(direct, first, kb, ap, rowStride, kStride, bp, &c[ct], ldc, alpha)
							continue
						}
						clear(buf.tile)
						kn.tile(direct, false, kb, ap, rowStride, kStride, bp, &buf.tile[0], nr, alpha)
						for r := range rows {
							cr := c[ct+r*ldc:][:cols]
							if first {
								copy(cr, buf.tile[r*nr:][:cols])
								continue
							}
							for j, v := range buf.tile[r*nr:][:cols] {
								cr[j] += v
							}
						}
					}
				}
			}
		}
	}
}

// tile runs the micro-kernel on one tile: A read in place (direct) or
// packed, the tile overwritten (set) or added to.
func (kn *kernel) tile(direct, set bool, k int, a *float32, rowStride, kStride int, b, c *float32, ldc int, alpha float32) {
	switch {
	case direct && set:
		kn.setStrided(k, a, rowStride, kStride, b, c, ldc, alpha)
	case direct:
		kn.strided(k, a, rowStride, kStride, b, c, ldc, alpha)
	case set:
		kn.set(k, a, b, c, ldc, alpha)
	default:
		kn.fn(k, a, b, c, ldc, alpha)
	}
}
