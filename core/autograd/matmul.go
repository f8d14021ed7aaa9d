package autograd

const (
	transA = 1 << iota
	transB
)

// MatMul returns op(a)·op(b), where op transposes when the flag is set.
func (g *Graph) MatMul(a, b *Node, ta, tb bool) *Node {
	m, n := a.Value.R, b.Value.C
	if ta {
		m = a.Value.C
	}
	if tb {
		n = b.Value.R
	}
	out := g.be.NewUninit(m, n)
	g.be.Gemm(ta, tb, a.Value, b.Value, out)
	node := g.op(opMatMul, out, a, b)
	if ta {
		node.a |= transA
	}
	if tb {
		node.a |= transB
	}
	return node
}

func init() {
	backwardOf[opMatMul] = func(g *Graph, n, grad *Node) {
		a, b := n.in[0], n.in[1]
		switch n.a {
		case 0: // C = A·B
			if g.needs(a) {
				g.accumulate(a, g.MatMul(grad, b, false, true))
			}
			if g.needs(b) {
				g.accumulate(b, g.MatMul(a, grad, true, false))
			}
		case transB: // C = A·Bᵀ
			if g.needs(a) {
				g.accumulate(a, g.MatMul(grad, b, false, false))
			}
			if g.needs(b) {
				g.accumulate(b, g.MatMul(grad, a, true, false))
			}
		case transA: // C = Aᵀ·B
			if g.needs(a) {
				g.accumulate(a, g.MatMul(b, grad, false, true))
			}
			if g.needs(b) {
				g.accumulate(b, g.MatMul(a, grad, false, false))
			}
		default: // C = Aᵀ·Bᵀ
			if g.needs(a) {
				g.accumulate(a, g.MatMul(b, grad, true, true))
			}
			if g.needs(b) {
				g.accumulate(b, g.MatMul(grad, a, true, true))
			}
		}
	}
}
