package ddaebm

import (
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Models lists the network families Config.Model may name.
var Models = []string{"toy", "mnist-nice"}

// buildNetworks creates the energy, generator and encoder of the family
// cfg.Model (already validated).
func buildNetworks(cfg *Config, rng *rand.Rand) (Energy, Generator, Encoder) {
	switch cfg.Model {
	case "mnist-nice":
		return NewNICEEnergy(cfg.Dim, cfg.Hidden, cfg.T, rng),
			NewMNISTGenerator(cfg.Dim, cfg.ZDim, cfg.GenHidden, cfg.T, rng),
			NewMNISTEncoder(cfg.Dim, cfg.ZDim, cfg.GenHidden, cfg.T, rng)
	default: // "toy"
		return NewToyEnergy(cfg.Dim, cfg.Hidden, cfg.T, rng),
			NewToyGenerator(cfg.Dim, cfg.ZDim, cfg.Hidden, cfg.T, rng),
			NewToyEncoder(cfg.Dim, cfg.ZDim, cfg.Hidden, cfg.T, rng)
	}
}

// Energy scores x_k at step k: E(x_k, k), a B×1 column; p(x) ∝ exp(E(x, 0)).
type Energy interface {
	Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node
	Params() []*autograd.Node
	Constants() []*tensor.Dense
}

// Generator predicts the clean sample x̂0 = G(x_{k+1}, z, k).
type Generator interface {
	Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node
	Params() []*autograd.Node
	Buffers() []nn.Buffer
	Constants() []*tensor.Dense
}

// Encoder is q_ψ(z | x_k, x_{k+1}, k): it returns the mean and log-variance of z.
type Encoder interface {
	Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node)
	Params() []*autograd.Node
	Buffers() []nn.Buffer
	// Constants are the fixed tables a network computes with (the step
	// embeddings), which move to a device with the weights.
	Constants() []*tensor.Dense
}
