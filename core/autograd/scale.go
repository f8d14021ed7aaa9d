package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// Scale returns c·x.
func (g *Graph) Scale(x *Node, c tensor.Float) *Node {
	out := g.be.NewUninit(x.Value.R, x.Value.C)
	g.be.Unary(OpScale, out, x.Value, c)
	n := g.op(opScale, out, x, nil)
	n.scalar = c
	return n
}

// AddConst returns x + c.
func (g *Graph) AddConst(x *Node, c tensor.Float) *Node {
	out := g.be.NewUninit(x.Value.R, x.Value.C)
	g.be.Unary(OpAddConst, out, x.Value, c)
	return g.op(opAddConst, out, x, nil)
}

func init() {
	backwardOf[opScale] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Scale(grad, n.scalar))
	}
	backwardOf[opAddConst] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], grad)
	}
}
