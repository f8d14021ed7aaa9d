package cuda_test

import (
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/cuda/cudaemu"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// copyCounter counts a Runtime's host-to-device copies.
type copyCounter struct {
	cuda.Runtime
	copies int
}

func (c *copyCounter) CopyHtoD(dst cuda.Ptr, src unsafe.Pointer, bytes int) error {
	c.copies++
	return c.Runtime.CopyHtoD(dst, src, bytes)
}

// An index list goes to the device once per step, however many gathers
// use it, and again after Reset, when step memory is reused; a different
// list is sent, and every gather reads its own indices.
func TestIndexListsAreSentOncePerStep(t *testing.T) {
	rt := &copyCounter{Runtime: cudaemu.ForTest(t)}
	be := cuda.NewBackend(rt)
	defer be.Close()
	cpu := autograd.NewCPU()
	table := tensor.FromSlice(3, 2, []tensor.Float{1, 2, 3, 4, 5, 6})
	dt := be.Alloc(3, 2)
	be.Upload(dt, table)
	gather := func(idx []int) []tensor.Float {
		out := be.NewUninit(len(idx), 2)
		be.GatherRows(out, dt, idx)
		h := tensor.New(len(idx), 2)
		be.Download(h, out)
		want := tensor.New(len(idx), 2)
		cpu.GatherRows(want, table, idx)
		for i, v := range want.Data {
			if h.Data[i] != v {
				t.Fatalf("GatherRows(%v) = %v, want %v", idx, h.Data, want.Data)
			}
		}
		return h.Data
	}
	count := func(f func()) int {
		before := rt.copies
		f()
		return rt.copies - before
	}
	k := []int{2, 0, 1, 2}
	if n := count(func() { gather(k) }); n != 1 {
		t.Errorf("first gather: %d copies, want 1", n)
	}
	if n := count(func() { gather(k); gather([]int{2, 0, 1, 2}) }); n != 0 {
		t.Errorf("gathers by the same indices: %d copies, want 0", n)
	}
	if n := count(func() { gather([]int{1, 1, 0, 2}) }); n != 1 {
		t.Errorf("other indices: %d copies, want 1", n)
	}
	be.Reset()
	if n := count(func() { gather(k) }); n != 1 {
		t.Errorf("after Reset: %d copies, want 1", n)
	}
	if err := be.Err(); err != nil {
		t.Fatal(err)
	}
}
