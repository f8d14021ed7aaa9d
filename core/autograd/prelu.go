package autograd

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// PReLU returns x where x > 0 and a·x elsewhere, with a learned 1×1 slope a.
//
// It is MaskedScale(x, mask = x, a): the mask's own derivative is zero
// almost everywhere, so treating it as a constant is exact, and the
// backward rules below are again MaskedScale and ZeroWherePositive —
// which is what makes ∂²/∂θ∂x of a PReLU network available.
func (g *Graph) PReLU(x, a *Node) *Node { return g.MaskedScale(x, x.Value, a) }

// MaskedScale returns v where ref > 0 and a·v elsewhere (a is 1×1).
func (g *Graph) MaskedScale(v *Node, ref *tensor.Dense, a *Node) *Node {
	tensor.MustSameShape("MaskedScale", v.Value, ref)
	if a.Value.Len() != 1 {
		panic(fmt.Sprintf("autograd: MaskedScale: slope is %v, want 1×1", a.Value))
	}
	out := g.be.NewUninit(v.Value.R, v.Value.C)
	g.be.MaskedScale(out, v.Value, ref, a.Value)
	n := g.op(opMaskedScale, out, v, a)
	n.ref = ref
	return n
}

// ZeroWherePositive returns w where ref ≤ 0 and 0 elsewhere.
func (g *Graph) ZeroWherePositive(w *Node, ref *tensor.Dense) *Node {
	tensor.MustSameShape("ZeroWherePositive", w.Value, ref)
	out := g.be.NewUninit(w.Value.R, w.Value.C)
	g.be.ZeroWherePositive(out, w.Value, ref)
	n := g.op(opZeroWherePositive, out, w, nil)
	n.ref = ref
	return n
}

func init() {
	backwardOf[opMaskedScale] = func(g *Graph, n, grad *Node) {
		v, a := n.in[0], n.in[1]
		if g.needs(v) {
			g.accumulate(v, g.MaskedScale(grad, n.ref, a))
		}
		if g.needs(a) {
			g.accumulate(a, g.SumAll(g.ZeroWherePositive(g.Mul(grad, v), n.ref)))
		}
	}
	backwardOf[opZeroWherePositive] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.ZeroWherePositive(grad, n.ref))
	}
}
