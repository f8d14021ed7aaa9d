package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// A residual block with a time embedding, dropout and self-attention,
// the building block of the image energies (docs/IMAGES.md §2.1), inside
// E(x) = −½‖x − U(x)‖²: the gradient penalty ‖∇ₓE‖², as the energy step
// computes it, has the derivatives into every weight (and x) that finite
// differences of the penalty give. This checks second derivatives of E
// through every operation of the block at once.
func TestResidualBlockPenaltyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	in := autograd.Image{H: 3, W: 4, C: 4}
	const batch, embed = 2, 3
	pixels := in.H * in.W
	gn0, gn1, gnA := NewGroupNorm("gn0", in, 2, 1e-6), NewGroupNorm("gn1", in, 2, 1e-6), NewGroupNorm("gnA", in, 2, 1e-6)
	conv0 := NewConv2D("conv0", in, autograd.Window{KH: 3, KW: 3, Pad: 1}, in.C, rng)
	conv1 := NewConv2D("conv1", in, autograd.Window{KH: 3, KW: 3, Pad: 1}, in.C, rng)
	temb := NewLinear("temb", embed, in.C, rng)
	q, k, v, o := NewLinear("q", in.C, in.C, rng), NewLinear("k", in.C, in.C, rng), NewLinear("v", in.C, in.C, rng), NewLinear("o", in.C, in.C, rng)
	// γ and β start at 1 and 0; move them so that their derivatives are generic.
	for _, gn := range []*GroupNorm{gn0, gn1, gnA} {
		for i := range gn.Gamma.Value.Data {
			gn.Gamma.Value.Data[i] = tensor.Float(0.5 + rng.Float64())
			gn.Beta.Value.Data[i] = tensor.Float(rng.Float64() - 0.5)
		}
	}
	var params []**autograd.Node
	for _, l := range []*Linear{conv0.Linear, conv1.Linear, temb, q, k, v, o} {
		params = append(params, &l.W, &l.B)
	}
	for _, gn := range []*GroupNorm{gn0, gn1, gnA} {
		params = append(params, &gn.Gamma, &gn.Beta)
	}
	inputs := []*tensor.Dense{randInput(rng, batch, in.Size())}
	for _, p := range params {
		inputs = append(inputs, (*p).Value.Clone())
	}
	e := randInput(rng, batch, embed) // the step's embedding, a constant

	block := func(g *autograd.Graph, x *autograd.Node) *autograd.Node {
		h := conv0.Forward(g, g.SiLU(gn0.Forward(g, x)))
		h = g.PerChannel(h, in, nil, temb.Forward(g, g.SiLU(g.Const(e))))
		h = conv1.Forward(g, g.Dropout(g.SiLU(gn1.Forward(g, h)), 0.1, 3))
		h = g.Scale(g.Add(x, h), tensor.Float(1/math.Sqrt2))
		// Attention over the 12 positions of each image.
		p := g.Reshape(gnA.Forward(g, h), batch*pixels, in.C)
		w := g.Softmax(g.Scale(g.BatchMatMul(q.Forward(g, p), k.Forward(g, p), batch, false, true), tensor.Float(1/math.Sqrt(float64(in.C)))))
		a := g.Reshape(o.Forward(g, g.BatchMatMul(w, v.Forward(g, p), batch, false, false)), batch, in.Size())
		return g.Scale(g.Add(h, a), tensor.Float(1/math.Sqrt2))
	}
	penalty := func(g *autograd.Graph, leaves []*autograd.Node) *autograd.Node {
		for i, p := range params {
			*p = leaves[i+1]
		}
		x := leaves[0]
		energy := g.Scale(g.SumRows(g.Square(g.Sub(x, block(g, x)))), -0.5) // B×1
		grad := g.Grad(g.SumAll(energy), []*autograd.Node{x}, true)[0]
		return g.Mean(g.SumRows(g.Square(grad)))
	}
	if err := autograd.CheckGrad(penalty, inputs, autograd.FDStep, autograd.FDTol); err != nil {
		t.Fatal(err)
	}
}
