package ddaebm

import (
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
)

// Energy scores x_k at step k: E(x_k, k), a B×1 column; p(x) ∝ exp(E(x, 0)).
type Energy interface {
	Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node
	Params() []*autograd.Node
}

// Generator predicts the clean sample x̂0 = G(x_{k+1}, z, k).
type Generator interface {
	Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node
	Params() []*autograd.Node
	Buffers() []nn.Buffer
}

// Encoder is q_ψ(z | x_k, x_{k+1}, k): it returns the mean and log-variance of z.
type Encoder interface {
	Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node)
	Params() []*autograd.Node
	Buffers() []nn.Buffer
}
