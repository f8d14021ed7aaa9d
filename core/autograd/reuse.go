package autograd

import (
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// A gradient computed without recording (Backward, and Grad with
// createGraph false) needs each value only until the operations that
// read it have run: a node's gradient until the node's backward rule has
// passed it on, a rule's intermediate values until the rule returns. Step
// memory is a bump allocator that frees nothing before Reset, so without
// reuse such a pass holds every value it ever computed — for an image
// energy's penalty graph, more than the forward pass and the recorded
// gradient together. While a pass runs, the graph allocates through
// reuse, which hands memory nothing refers to any more to the next
// allocation of the same size.
//
// What refers to memory is counted per storage (views share their
// base's): one reference for each node whose gradient it holds. Memory
// allocated during the pass that no gradient holds once a rule has
// returned is free; so is a gradient's memory once its last holder is
// done. Memory from before the pass (the forward values, parameters) is
// never freed.
type reuse struct {
	Backend
	free  map[int][]*tensor.Dense // by element count
	owned map[uintptr]*tensor.Dense
	refs  map[uintptr]int
	fresh []*tensor.Dense // allocated since the last release
}

// start begins a pass on be, keeping the maps' memory from earlier
// passes.
func (r *reuse) start(be Backend) {
	r.Backend = be
	if r.free == nil {
		r.free, r.owned, r.refs = map[int][]*tensor.Dense{}, map[uintptr]*tensor.Dense{}, map[uintptr]int{}
	}
	for n, l := range r.free {
		r.free[n] = l[:0]
	}
	clear(r.owned)
	clear(r.refs)
	r.fresh = r.fresh[:0]
}

// storage identifies the memory behind d: the same for d and its views.
func storage(d *tensor.Dense) uintptr {
	if d.Data != nil {
		return uintptr(unsafe.Pointer(unsafe.SliceData(d.Data)))
	}
	return d.Dev
}

func (r *reuse) NewUninit(rows, cols int) *tensor.Dense {
	n := rows * cols
	var d *tensor.Dense
	if l := r.free[n]; len(l) > 0 {
		// Nothing refers to a freed matrix: its header is reused too.
		d = l[len(l)-1]
		d.R, d.C = rows, cols
		r.free[n] = l[:len(l)-1]
	} else {
		d = r.Backend.NewUninit(rows, cols)
	}
	if n > 0 {
		r.owned[storage(d)] = d
		r.fresh = append(r.fresh, d)
	}
	return d
}

func (r *reuse) New(rows, cols int) *tensor.Dense {
	d := r.NewUninit(rows, cols)
	r.Fill(d, 0)
	return d
}

// hold counts a gradient's reference to d.
func (r *reuse) hold(d *tensor.Dense) { r.refs[storage(d)]++ }

// drop removes a reference and frees d's memory when it was the last one
// to memory of the pass.
func (r *reuse) drop(d *tensor.Dense) {
	k := storage(d)
	r.refs[k]--
	if r.refs[k] <= 0 {
		delete(r.refs, k)
		r.release(k)
	}
}

// releaseFresh frees what was allocated since the last call and is held
// by no gradient.
func (r *reuse) releaseFresh() {
	for _, d := range r.fresh {
		if k := storage(d); r.refs[k] == 0 {
			r.release(k)
		}
	}
	r.fresh = r.fresh[:0]
}

func (r *reuse) release(k uintptr) {
	d, ok := r.owned[k]
	if !ok {
		return // memory from before the pass
	}
	delete(r.owned, k)
	r.free[d.R*d.C] = append(r.free[d.R*d.C], d)
}
