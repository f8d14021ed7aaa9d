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
// packed k×nr B panel to an mr×nr tile of c.
type kernel struct {
	fn         func(k int, a, b, c *float32, ldc int, alpha float32)
	mr, nr     int
	mc, nc, kc int // block sizes; mc is a multiple of mr, nc of nr
	bufs       freeList[packBuf]
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

// gemm has the contract of the package variable gemm. It splits large
// products into tile-aligned slabs of rows or columns of c, one per
// available processor, and runs each with gemmSerial.
func (kn *kernel) gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	// Packing bounds-checks a and b, but full tiles of c go straight to
	// assembly, so c is checked here once.
	if len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("tensor: gemm: %d elements cannot hold %d×%d rows %d apart", len(c), m, n, ldc))
	}
	tilesM, tilesN := (m+kn.mr-1)/kn.mr, (n+kn.nr-1)/kn.nr
	parts := min(runtime.GOMAXPROCS(0), m*n*k/parallelWork, max(tilesM, tilesN))
	if parts <= 1 {
		kn.gemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		return
	}

	call := gemmCalls.get()
	if cap(call.jobs) < parts {
		call.jobs = make([]gemmJob, parts)
	}
	jobs := call.jobs[:parts]
	for p := range jobs {
		j := &jobs[p]
		*j = gemmJob{kn: kn, call: call, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
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
	kn             *kernel
	call           *gemmCall
	transA, transB bool
	m, n, k        int
	alpha          float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

func (j *gemmJob) run() {
	j.kn.gemmSerial(j.transA, j.transB, j.m, j.n, j.k, j.alpha, j.a, j.lda, j.b, j.ldb, j.c, j.ldc)
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
// beside it, and the micro-kernel sweeps B panels (streamed from L2) across
// each A panel (held in L1).
func (kn *kernel) gemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	buf := kn.bufs.get()
	defer kn.bufs.put(buf)
	if buf.a == nil {
		buf.a, buf.b = alignedFloats(kn.mc*kn.kc), alignedFloats(kn.nc*kn.kc)
		buf.tile = make([]float32, kn.mr*kn.nr)
	}
	mr, nr := kn.mr, kn.nr
	for j0 := 0; j0 < n; j0 += kn.nc {
		nb := min(kn.nc, n-j0)
		for p0 := 0; p0 < k; p0 += kn.kc {
			kb := min(kn.kc, k-p0)
			packB(buf.b, transB, b, ldb, p0, kb, j0, nb, nr)
			for i0 := 0; i0 < m; i0 += kn.mc {
				mb := min(kn.mc, m-i0)
				packA(buf.a, transA, a, lda, i0, mb, p0, kb, mr)
				for ir := 0; ir < mb; ir += mr {
					ap := &buf.a[ir*kb]
					rows := min(mr, mb-ir)
					for jr := 0; jr < nb; jr += nr {
						bp := &buf.b[jr*kb]
						ct := (i0+ir)*ldc + j0 + jr
						cols := min(nr, nb-jr)
						if rows == mr && cols == nr {
							kn.fn(kb, ap, bp, &c[ct], ldc, alpha)
							continue
						}
						clear(buf.tile)
						kn.fn(kb, ap, bp, &buf.tile[0], nr, alpha)
						for r := range rows {
							cr := c[ct+r*ldc:][:cols]
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
