package autograd

import "fmt"

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
	node.a = productFlags(ta, tb)
	return node
}

// productFlags records a product's transpositions for its backward rule.
func productFlags(ta, tb bool) int {
	f := 0
	if ta {
		f |= transA
	}
	if tb {
		f |= transB
	}
	return f
}

func init() {
	backwardOf[opMatMul] = func(g *Graph, n, grad *Node) {
		productBackward(g, n, grad, g.MatMul)
	}
}

// productBackward accumulates the gradients of C = op(A)·op(B) (n, with
// its transpose flags) into A and B, the products computed by mm: MatMul
// for one product, a BatchMatMul for a batch of them.
func productBackward(g *Graph, n, grad *Node, mm func(x, y *Node, tx, ty bool) *Node) {
	a, b := n.in[0], n.in[1]
	switch n.a {
	case 0: // C = A·B
		if g.needs(a) {
			g.accumulate(a, mm(grad, b, false, true))
		}
		if g.needs(b) {
			g.accumulate(b, mm(a, grad, true, false))
		}
	case transB: // C = A·Bᵀ
		if g.needs(a) {
			g.accumulate(a, mm(grad, b, false, false))
		}
		if g.needs(b) {
			g.accumulate(b, mm(grad, a, true, false))
		}
	case transA: // C = Aᵀ·B
		if g.needs(a) {
			g.accumulate(a, mm(b, grad, false, true))
		}
		if g.needs(b) {
			g.accumulate(b, mm(a, grad, false, false))
		}
	default: // C = Aᵀ·Bᵀ
		if g.needs(a) {
			g.accumulate(a, mm(b, grad, true, true))
		}
		if g.needs(b) {
			g.accumulate(b, mm(grad, a, true, true))
		}
	}
}

// BatchMatMul returns the batch products op(a_i)·op(b_i) stacked by rows,
// a_i being block i of the batch blocks of rows of a (and so for b): for
// attention over the P positions of each of B images, the (B·P)×C
// queries and keys give the (B·P)×P scores. Its backward rules are batch
// products too, so it has exact derivatives of every order.
func (g *Graph) BatchMatMul(a, b *Node, batch int, ta, tb bool) *Node {
	if batch < 1 || a.Value.R%batch != 0 || b.Value.R%batch != 0 {
		panic(fmt.Sprintf("autograd: BatchMatMul: %d×%d and %d×%d do not split into %d blocks of rows", a.Value.R, a.Value.C, b.Value.R, b.Value.C, batch))
	}
	m, k := a.Value.R/batch, a.Value.C
	if ta {
		m, k = k, m
	}
	kb, n := b.Value.R/batch, b.Value.C
	if tb {
		kb, n = n, kb
	}
	if k != kb {
		panic(fmt.Sprintf("autograd: BatchMatMul(transA=%v, transB=%v): blocks of %d×%d and %d×%d", ta, tb, a.Value.R/batch, a.Value.C, b.Value.R/batch, b.Value.C))
	}
	out := g.be.NewUninit(batch*m, n)
	g.be.GemmBatched(ta, tb, batch, a.Value, b.Value, out)
	node := g.op(opBatchMatMul, out, a, b)
	node.a, node.b = productFlags(ta, tb), batch
	return node
}

func init() {
	backwardOf[opBatchMatMul] = func(g *Graph, n, grad *Node) {
		productBackward(g, n, grad, func(x, y *Node, tx, ty bool) *Node { return g.BatchMatMul(x, y, n.b, tx, ty) })
	}
}
