package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// Add returns a + b (same shapes).
func (g *Graph) Add(a, b *Node) *Node {
	tensor.MustSameShape("Add", a.Value, b.Value)
	out := g.be.NewUninit(a.Value.R, a.Value.C)
	g.be.Binary(OpAdd, out, a.Value, b.Value)
	return g.op(opAdd, out, a, b)
}

// Sub returns a − b (same shapes).
func (g *Graph) Sub(a, b *Node) *Node {
	tensor.MustSameShape("Sub", a.Value, b.Value)
	out := g.be.NewUninit(a.Value.R, a.Value.C)
	g.be.Binary(OpSub, out, a.Value, b.Value)
	return g.op(opSub, out, a, b)
}

func init() {
	backwardOf[opAdd] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], grad)
		g.accumulate(n.in[1], grad)
	}
	backwardOf[opSub] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], grad)
		if g.needs(n.in[1]) {
			g.accumulate(n.in[1], g.Scale(grad, -1))
		}
	}
}
