package autograd

import (
	"fmt"
	"slices"
	"sync"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// ColMap is a fixed sparse linear map from rows of In values to rows of
// Out values: y = x·M for a sparse In×Out matrix M. Image resampling is
// such a map on every row of a batch (average pooling, nearest
// upsampling, the FIR filters of NCSN++): its backward is the transposed
// map and its second derivative is zero, so one operation and its
// transpose give every order of derivative.
//
// M is stored by output column: column k of y is the sum over
// p ∈ [Off[k], Off[k+1]) of W[p] times column Src[p] of x, terms added
// in increasing p.
type ColMap struct {
	In, Out int
	Off     []int          // Out+1 offsets into Src and W
	Src     []int          // input column of each term
	W       []tensor.Float // weight of each term

	once sync.Once // builds t on first use, safely from any goroutine
	t    *ColMap   // the transpose

	// blocks, when set, is the map's structure (blocks.go), which the CPU
	// computes from instead of the terms.
	blocks *channelBlocks
}

// ColTerm is one entry of a ColMap: W times input column From added into
// output column To.
type ColTerm struct {
	From, To int
	W        float64
}

// NewColMap builds the map from in to out columns with the given terms
// (any order; terms with the same From and To add up).
func NewColMap(in, out int, terms []ColTerm) *ColMap {
	if in < 0 || out < 0 {
		panic(fmt.Sprintf("autograd: NewColMap: %d to %d columns", in, out))
	}
	sorted := slices.Clone(terms)
	slices.SortStableFunc(sorted, func(a, b ColTerm) int {
		if a.To != b.To {
			return a.To - b.To
		}
		return a.From - b.From
	})
	m := &ColMap{In: in, Out: out, Off: make([]int, out+1)}
	for _, t := range sorted {
		if t.From < 0 || t.From >= in || t.To < 0 || t.To >= out {
			panic(fmt.Sprintf("autograd: NewColMap: term %+v outside %d to %d columns", t, in, out))
		}
		if n := len(m.Src); n > 0 && m.Src[n-1] == t.From && m.Off[t.To+1] > 0 {
			m.W[n-1] += tensor.Float(t.W)
			continue
		}
		m.Src = append(m.Src, t.From)
		m.W = append(m.W, tensor.Float(t.W))
		m.Off[t.To+1]++
	}
	for k := range out {
		m.Off[k+1] += m.Off[k]
	}
	return m
}

// T returns the transposed map, from Out to In columns.
func (m *ColMap) T() *ColMap {
	m.once.Do(func() {
		if m.t != nil { // m was built as another map's transpose
			return
		}
		terms := make([]ColTerm, 0, len(m.Src))
		for k := range m.Out {
			for p := m.Off[k]; p < m.Off[k+1]; p++ {
				terms = append(terms, ColTerm{From: k, To: m.Src[p], W: float64(m.W[p])})
			}
		}
		t := NewColMap(m.Out, m.In, terms)
		t.t = m
		if m.blocks != nil {
			t.blocks = m.blocks.transposed()
		}
		m.t = t
	})
	return m.t
}

// MapCols returns x·M: every row of x mapped by m.
func (g *Graph) MapCols(x *Node, m *ColMap) *Node {
	if x.Value.C != m.In {
		panic(fmt.Sprintf("autograd: MapCols: rows of %d values for a map from %d", x.Value.C, m.In))
	}
	out := g.be.NewUninit(x.Value.R, m.Out)
	g.be.MapCols(out, x.Value, m)
	n := g.op(opMapCols, out, x, nil)
	n.colMap = m
	return n
}

func init() {
	backwardOf[opMapCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.MapCols(grad, n.colMap.T()))
	}
}
