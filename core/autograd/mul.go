package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// Mul returns the elementwise product a ⊙ b (same shapes).
func (g *Graph) Mul(a, b *Node) *Node {
	tensor.MustSameShape("Mul", a.Value, b.Value)
	out := g.be.NewUninit(a.Value.R, a.Value.C)
	g.be.Binary(OpMul, out, a.Value, b.Value)
	return g.op(opMul, out, a, b)
}

func init() {
	backwardOf[opMul] = func(g *Graph, n, grad *Node) {
		if g.needs(n.in[0]) {
			g.accumulate(n.in[0], g.Mul(grad, n.in[1]))
		}
		if g.needs(n.in[1]) {
			g.accumulate(n.in[1], g.Mul(grad, n.in[0]))
		}
	}
}
