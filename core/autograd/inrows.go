package autograd

import "fmt"

// GatherInRows and ScatterInRows move values within each row, each row by
// its own indices; they are each other's backward rules, as GatherCols and
// ScatterCols are (those use one index list for every row). Max-pooling is
// a GatherInRows whose indices are each window's maximum.

// GatherInRows returns the R×cols matrix whose element (i, j) is element
// (i, idx[i·cols+j]) of x. idx is kept, not copied.
func (g *Graph) GatherInRows(x *Node, idx []int, cols int) *Node {
	r, c := x.Value.R, x.Value.C
	if cols < 0 || len(idx) != r*cols {
		panic(fmt.Sprintf("autograd: GatherInRows: %d indices for %d rows of %d columns", len(idx), r, cols))
	}
	for _, k := range idx {
		if k < 0 || k >= c {
			panic(fmt.Sprintf("autograd: GatherInRows: index %d outside %d columns", k, c))
		}
	}
	out := g.be.NewUninit(r, cols)
	g.be.GatherInRows(out, x.Value, idx)
	n := g.op(opGatherInRows, out, x, nil)
	n.idx = idx
	return n
}

// ScatterInRows returns the R×cols matrix whose element (i, k) is the sum
// of the elements (i, j) of x with idx[i·C+j] = k, C being x's column
// count (zero where no index points). idx is kept, not copied.
func (g *Graph) ScatterInRows(x *Node, idx []int, cols int) *Node {
	r, c := x.Value.R, x.Value.C
	if len(idx) != r*c {
		panic(fmt.Sprintf("autograd: ScatterInRows: %d indices for %v", len(idx), x.Value))
	}
	for _, k := range idx {
		if k < 0 || k >= cols {
			panic(fmt.Sprintf("autograd: ScatterInRows: index %d outside %d columns", k, cols))
		}
	}
	out := g.be.New(r, cols)
	g.be.ScatterInRows(out, x.Value, idx)
	n := g.op(opScatterInRows, out, x, nil)
	n.idx = idx
	return n
}

func init() {
	backwardOf[opGatherInRows] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.ScatterInRows(grad, n.idx, n.in[0].Value.C))
	}
	backwardOf[opScatterInRows] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.GatherInRows(grad, n.idx, n.in[0].Value.C))
	}
}
