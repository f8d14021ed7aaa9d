package unet

import "github.com/ddaebm/ddaebm/core/autograd"

// Energy is E(x, k) = −½‖x − U(x, k)‖² (eq. 24), a B×1 column.
type Energy struct{ U *UNet }

// Forward returns E(x, k) for the B images in the rows of x.
func (e *Energy) Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node {
	return g.Scale(g.SumRows(g.Square(g.Sub(x, e.U.forward(g, x, k, nil)))), -0.5)
}

// SetDropoutSeed sets the seed of the dropout masks of the forward passes
// that follow; 0 turns dropout off (models.Stochastic).
func (e *Energy) SetDropoutSeed(seed uint64) { e.U.dropout.set(seed) }

// Generator is x̂0 = tanh(U(x_{k+1}, k; z)).
type Generator struct{ U *UNet }

// Forward returns the predicted clean images. The U-Net has no batch
// statistics, so train changes nothing.
func (n *Generator) Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node {
	return g.Tanh(n.U.forward(g, xk1, k, z))
}

// SetDropoutSeed is Energy.SetDropoutSeed for the generator's U-Net.
func (n *Generator) SetDropoutSeed(seed uint64) { n.U.dropout.set(seed) }
