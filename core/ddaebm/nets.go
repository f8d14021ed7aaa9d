package ddaebm

import (
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
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

// netSize describes networks before they are built, so that their memory
// can be checked before it is taken (memory.go). Each family's size
// function sits beside its constructor; TestNetworkSizes holds them to
// the networks the constructors build.
type netSize struct {
	// values counts the parameters, batch-norm statistics and constant
	// tables: what the networks keep.
	values float64
	// width sums the outputs of the layers for one example in one forward
	// pass: the activations an example leaves.
	width float64
	// stepRows counts the outputs of the branches that run once per step
	// on the T step embeddings, whatever the batch.
	stepRows float64
}

func (a netSize) plus(b netSize) netSize {
	return netSize{a.values + b.values, a.width + b.width, a.stepRows + b.stepRows}
}

// networkSizes returns the sizes of the energy, generator and encoder
// that buildNetworks makes for cfg.
func networkSizes(cfg *Config) (energy, generator, encoder netSize) {
	switch cfg.Model {
	case "mnist-nice":
		w := cfg.GenHidden
		return niceEnergySize(cfg.Dim, cfg.Hidden, cfg.T),
			mnistNetSize(cfg.Dim+cfg.ZDim, w, w, 2*w, w, cfg.Dim, cfg.T),
			mnistNetSize(2*cfg.Dim, 2*w, w, w, w, 2*cfg.ZDim, cfg.T)
	default: // "toy"
		return toyNetSize(cfg.Dim, 1, cfg.Hidden, cfg.T, false),
			toyNetSize(cfg.Dim+cfg.ZDim, cfg.Dim, cfg.Hidden, cfg.T, true),
			toyNetSize(2*cfg.Dim, 2*cfg.ZDim, cfg.Hidden, cfg.T, true)
	}
}

// Energy scores x_k at step k: E(x_k, k), a B×1 column; p(x) ∝ exp(E(x, 0)).
type Energy interface {
	Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node
}

// Generator predicts the clean sample x̂0 = G(x_{k+1}, z, k).
type Generator interface {
	Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node
}

// Encoder is q_ψ(z | x_k, x_{k+1}, k): it returns the mean and log-variance of z.
type Encoder interface {
	Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node)
}

// The networks' parameters, buffers (batch-norm statistics) and constants
// (step-embedding tables) are found by walking them: nn.Params,
// nn.Buffers, nn.Constants.
