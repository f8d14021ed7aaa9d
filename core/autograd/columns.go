package autograd

import "fmt"

// Column surgery: ConcatCols, SliceCols and PadCols are each other's
// backward rules.

// ConcatCols returns [a b], the columns of a followed by those of b.
func (g *Graph) ConcatCols(a, b *Node) *Node {
	if a.Value.R != b.Value.R {
		panic(fmt.Sprintf("autograd: ConcatCols: %v and %v have different row counts", a.Value, b.Value))
	}
	ca := a.Value.C
	out := g.be.NewUninit(a.Value.R, ca+b.Value.C)
	g.be.CopyCols(out, 0, a.Value, 0, ca)
	g.be.CopyCols(out, ca, b.Value, 0, b.Value.C)
	return g.op(opConcatCols, out, a, b)
}

// SliceCols returns columns [from, to) of x.
func (g *Graph) SliceCols(x *Node, from, to int) *Node {
	if from < 0 || to > x.Value.C || from > to {
		panic(fmt.Sprintf("autograd: SliceCols [%d, %d) of %v", from, to, x.Value))
	}
	out := g.be.NewUninit(x.Value.R, to-from)
	g.be.CopyCols(out, 0, x.Value, from, to-from)
	n := g.op(opSliceCols, out, x, nil)
	n.a = from
	return n
}

// PadCols places x at columns [from, from+x.C) of a zero matrix with cols columns.
func (g *Graph) PadCols(x *Node, from, cols int) *Node {
	if from < 0 || from+x.Value.C > cols {
		panic(fmt.Sprintf("autograd: PadCols %v at %d into %d columns", x.Value, from, cols))
	}
	out := g.be.New(x.Value.R, cols)
	g.be.CopyCols(out, from, x.Value, 0, x.Value.C)
	n := g.op(opPadCols, out, x, nil)
	n.a = from
	return n
}

func init() {
	backwardOf[opConcatCols] = func(g *Graph, n, grad *Node) {
		ca := n.in[0].Value.C
		if g.needs(n.in[0]) {
			g.accumulate(n.in[0], g.SliceCols(grad, 0, ca))
		}
		if g.needs(n.in[1]) {
			g.accumulate(n.in[1], g.SliceCols(grad, ca, n.Value.C))
		}
	}
	backwardOf[opSliceCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.PadCols(grad, n.a, n.in[0].Value.C))
	}
	backwardOf[opPadCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.SliceCols(grad, n.a, n.a+n.in[0].Value.C))
	}
}
