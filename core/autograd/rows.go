package autograd

import "fmt"

// GatherRows and ScatterRows are each other's backward rules. They let a
// network compute a per-timestep branch once for each of the T steps and
// hand every example the row of its own step.

// GatherRows returns the matrix whose row i is row idx[i] of table. idx is
// kept, not copied.
func (g *Graph) GatherRows(table *Node, idx []int) *Node {
	for _, k := range idx {
		if k < 0 || k >= table.Value.R {
			panic(fmt.Sprintf("autograd: GatherRows: index %d outside %d rows", k, table.Value.R))
		}
	}
	out := g.be.NewUninit(len(idx), table.Value.C)
	g.be.GatherRows(out, table.Value, idx)
	n := g.op(opGatherRows, out, table, nil)
	n.idx = idx
	return n
}

// ScatterRows returns the rows×C matrix whose row k is the sum of the rows
// i of x with idx[i] = k.
func (g *Graph) ScatterRows(x *Node, idx []int, rows int) *Node {
	if len(idx) != x.Value.R {
		panic(fmt.Sprintf("autograd: ScatterRows: %d indices for %v", len(idx), x.Value))
	}
	for _, k := range idx {
		if k < 0 || k >= rows {
			panic(fmt.Sprintf("autograd: ScatterRows: index %d outside %d rows", k, rows))
		}
	}
	out := g.be.New(rows, x.Value.C)
	g.be.ScatterRows(out, x.Value, idx)
	n := g.op(opScatterRows, out, x, nil)
	n.idx = idx
	return n
}

func init() {
	backwardOf[opGatherRows] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.ScatterRows(grad, n.idx, n.in[0].Value.R))
	}
	backwardOf[opScatterRows] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.GatherRows(grad, n.idx))
	}
}
