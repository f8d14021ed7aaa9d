package autograd

import "fmt"

// Reshape returns x read as an r×c matrix (r·c must equal x's size). The
// result shares x's storage: row-major order is unchanged, so a B×(P·F)
// batch of P positions with F features each is the same memory as a
// (B·P)×F matrix of positions, which is how convolutions hand their
// patches to one matrix product and get the batch back.
func (g *Graph) Reshape(x *Node, r, c int) *Node {
	if r < 0 || c < 0 || r*c != x.Value.Len() {
		panic(fmt.Sprintf("autograd: Reshape %v to %d×%d", x.Value, r, c))
	}
	return g.op(opReshape, g.be.View(x.Value, r, c), x, nil)
}

func init() {
	backwardOf[opReshape] = func(g *Graph, n, grad *Node) {
		in := n.in[0].Value
		g.accumulate(n.in[0], g.Reshape(grad, in.R, in.C))
	}
}
