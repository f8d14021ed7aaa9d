package autograd

import "fmt"

// GatherCols and ScatterCols are each other's backward rules, as
// GatherRows and ScatterRows are. The NICE energy uses them to split an
// input into its even and odd coordinates (a fixed permutation) and, in
// the backward pass, to put the two halves' gradients back in place.

// GatherCols returns the matrix whose column j is column idx[j] of x. idx
// is kept, not copied.
func (g *Graph) GatherCols(x *Node, idx []int) *Node {
	for _, k := range idx {
		if k < 0 || k >= x.Value.C {
			panic(fmt.Sprintf("autograd: GatherCols: index %d outside %d columns", k, x.Value.C))
		}
	}
	out := g.be.NewUninit(x.Value.R, len(idx))
	g.be.GatherCols(out, x.Value, idx)
	n := g.op(opGatherCols, out, x, nil)
	n.idx = idx
	return n
}

// ScatterCols returns the R×cols matrix whose column k is the sum of the
// columns j of x with idx[j] = k (zero where no index points).
func (g *Graph) ScatterCols(x *Node, idx []int, cols int) *Node {
	if len(idx) != x.Value.C {
		panic(fmt.Sprintf("autograd: ScatterCols: %d indices for %v", len(idx), x.Value))
	}
	for _, k := range idx {
		if k < 0 || k >= cols {
			panic(fmt.Sprintf("autograd: ScatterCols: index %d outside %d columns", k, cols))
		}
	}
	out := g.be.New(x.Value.R, cols)
	g.be.ScatterCols(out, x.Value, idx)
	n := g.op(opScatterCols, out, x, nil)
	n.idx = idx
	return n
}

func init() {
	backwardOf[opGatherCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.ScatterCols(grad, n.idx, n.in[0].Value.C))
	}
	backwardOf[opScatterCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.GatherCols(grad, n.idx))
	}
}
