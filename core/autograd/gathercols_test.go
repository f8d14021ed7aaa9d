package autograd

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// The column gather/scatter family, checked like every case of opCases:
// first and second derivatives against finite differences.
var gatherColsCases = []opCase{
	{"GatherColsPermutation", shapes(randMatrix, [2]int{3, 5}), func(g *Graph, in []*Node) *Node {
		return g.GatherCols(in[0], []int{0, 2, 4, 1, 3})
	}},
	{"GatherColsRepeated", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node {
		// Repeated and missing columns: the backward must sum and leave zeros.
		return g.GatherCols(g.Square(in[0]), []int{3, 0, 3, 1, 3})
	}},
	{"ScatterCols", shapes(randMatrix, [2]int{3, 5}), func(g *Graph, in []*Node) *Node {
		return g.ScatterCols(g.Square(in[0]), []int{2, 0, 2, 1, 2}, 4)
	}},
	{"GatherColsOfProduct", shapes(randMatrix, [2]int{3, 4}, [2]int{4, 4}), func(g *Graph, in []*Node) *Node {
		return g.GatherCols(g.MatMul(in[0], in[1], false, false), []int{1, 3})
	}},
}

func TestGatherColsGradients(t *testing.T) {
	for _, c := range gatherColsCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 5))
			f := func(g *Graph, in []*Node) *Node { return weighted(g, c.f(g, in)) }
			if err := CheckGrad(f, c.inputs(rng), FDStep, FDTol); err != nil {
				t.Error(err)
			}
			if err := CheckGradOfGrad(f, c.inputs(rng), FDStep, FDTol); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestGatherScatterColsValues(t *testing.T) {
	g := NewGraph()
	x := g.Const(tensor.FromSlice(2, 3, []tensor.Float{1, 2, 3, 4, 5, 6}))
	got := g.GatherCols(x, []int{2, 0, 2}).Value.Data
	want := []tensor.Float{3, 1, 3, 6, 4, 6}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("GatherCols = %v, want %v", got, want)
		}
	}
	got = g.ScatterCols(x, []int{1, 3, 1}, 4).Value.Data
	want = []tensor.Float{0, 4, 0, 2, 0, 10, 0, 5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ScatterCols = %v, want %v", got, want)
		}
	}
}

func TestGatherColsRejectsBadIndices(t *testing.T) {
	for name, f := range map[string]func(g *Graph, x *Node){
		"gather":  func(g *Graph, x *Node) { g.GatherCols(x, []int{3}) },
		"scatter": func(g *Graph, x *Node) { g.ScatterCols(x, []int{0, 1, 5}, 4) },
		"count":   func(g *Graph, x *Node) { g.ScatterCols(x, []int{0}, 4) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("accepted")
				}
			}()
			g := NewGraph()
			f(g, g.Const(tensor.New(2, 3)))
		})
	}
}

// The run-by-run column moves (taken when an index list is made of long
// runs, as a convolution's patches are) give exactly what moving column by
// column does, serially and split across goroutines.
func TestGatherScatterColsByRuns(t *testing.T) {
	p := NewPatches(Image{H: 5, W: 6, C: 9}, Window{KH: 3, KW: 3, Pad: 1})
	rng := rand.New(rand.NewPCG(7, 9))
	for _, rows := range []int{1, 3, 4 * parallelElements / len(p.idx)} {
		x := tensor.New(rows, p.In.Size()+1) // the zero column last, as Im2Col pads
		for i := range x.Data {
			if i%(p.In.Size()+1) != p.In.Size() {
				x.Data[i] = tensor.Float(rng.NormFloat64())
			}
		}
		c := NewCPU()
		if _, ok := c.colRuns(p.idx); !ok {
			t.Fatal("a convolution's patches are not moved by runs")
		}
		got, want := tensor.New(rows, len(p.idx)), tensor.New(rows, len(p.idx))
		c.GatherCols(got, x, p.idx)
		gatherCols(want, x, p.idx, 0, rows)
		if !slices.Equal(got.Data, want.Data) {
			t.Fatalf("%d rows: GatherCols by runs differs", rows)
		}
		y := tensor.New(rows, len(p.idx))
		for i := range y.Data {
			y.Data[i] = tensor.Float(rng.NormFloat64())
		}
		gotS, wantS := tensor.New(rows, x.C), tensor.New(rows, x.C)
		c.ScatterCols(gotS, y, p.idx)
		scatterCols(wantS, y, p.idx, 0, rows)
		if !slices.Equal(gotS.Data, wantS.Data) {
			t.Fatalf("%d rows: ScatterCols by runs differs", rows)
		}
	}
}

// A list without long runs (a permutation) is moved column by column, and
// finding that out allocates nothing once the CPU's buffer has grown.
func TestColRunsGiveUpWithoutAllocating(t *testing.T) {
	idx := rand.New(rand.NewPCG(1, 1)).Perm(1000)
	c := NewCPU()
	if _, ok := c.colRuns(idx); ok {
		t.Fatal("a permutation is moved by runs")
	}
	if n := testing.AllocsPerRun(10, func() { c.colRuns(idx) }); n != 0 {
		t.Fatalf("colRuns made %v allocations", n)
	}
}
