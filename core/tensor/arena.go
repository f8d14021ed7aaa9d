package tensor

import "unsafe"

// slabSize is the number of elements in one arena slab: large enough that a
// toy training step fits in a few slabs, small enough not to matter on a laptop.
const slabSize = 1 << 20

// Arena hands out zeroed matrices from reusable slabs. Reset makes all of
// them available again, so a loop that draws the same shapes every step
// stops allocating after its first step. The zero Arena is ready to use.
// An Arena is not safe for concurrent use.
type Arena struct {
	slabs   [][]Float
	slab    int // index of the slab being filled
	off     int // next free element in slabs[slab]
	headers [][]Dense
	hdr     int // headers handed out
}

// New returns a zeroed r×c matrix valid until the next Reset. A nil arena
// allocates on the heap.
func (a *Arena) New(r, c int) *Dense {
	d := a.NewUninit(r, c)
	clear(d.Data)
	return d
}

// NewUninit is New without the zeroing, for callers that overwrite every
// element: clearing memory that is about to be written costs as much as
// the elementwise operation itself.
func (a *Arena) NewUninit(r, c int) *Dense {
	if a == nil {
		return New(r, c)
	}
	d := a.header()
	d.R, d.C = r, c
	d.Data = a.take(r * c)
	return d
}

// Holds reports whether s lies in the arena's memory.
func (a *Arena) Holds(s []Float) bool {
	if a == nil || len(s) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	for _, slab := range a.slabs {
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(slab)))
		if p >= lo && p < lo+uintptr(len(slab))*unsafe.Sizeof(Float(0)) {
			return true
		}
	}
	return false
}

// View returns a header from the arena, valid until the next Reset, over
// the values s (which the caller shapes).
func (a *Arena) View(s []Float) *Dense {
	d := a.header()
	d.Data = s
	return d
}

func (a *Arena) header() *Dense {
	const chunk = 256
	i, j := a.hdr/chunk, a.hdr%chunk
	if i == len(a.headers) {
		a.headers = append(a.headers, make([]Dense, chunk))
	}
	a.hdr++
	return &a.headers[i][j]
}

func (a *Arena) take(n int) []Float {
	for {
		if a.slab == len(a.slabs) {
			a.slabs = append(a.slabs, make([]Float, max(slabSize, n)))
		}
		s := a.slabs[a.slab]
		if a.off+n <= len(s) {
			out := s[a.off : a.off+n : a.off+n]
			a.off += n
			return out
		}
		if a.off == 0 {
			// A slab kept from an earlier step is too small for this request:
			// replace it rather than skipping it forever.
			a.slabs[a.slab] = make([]Float, max(slabSize, n))
			continue
		}
		a.slab++
		a.off = 0
	}
}

// Held is the number of elements the arena's slabs hold: its peak
// footprint so far, which Reset keeps for reuse.
func (a *Arena) Held() int {
	n := 0
	for _, s := range a.slabs {
		n += len(s)
	}
	return n
}

// Reset makes every matrix handed out so far invalid and its memory reusable.
func (a *Arena) Reset() {
	a.slab, a.off, a.hdr = 0, 0, 0
}
