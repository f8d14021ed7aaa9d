package nn

import (
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// PReLU is max(x, 0) + a·min(x, 0) with one learned slope a per layer.
type PReLU struct {
	A *autograd.Node
}

// NewPReLU starts the slope at 0.25, as PyTorch does.
func NewPReLU(name string) *PReLU {
	return &PReLU{A: autograd.NewParam(name+"/a", tensor.Full(1, 1, 0.25))}
}

// Forward applies the activation elementwise.
func (p *PReLU) Forward(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	return g.PReLU(x, p.A)
}
