package toy

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The 2-D toy networks of Table 6: an x-branch and a t-branch, each
// FC16 → [BN] → PReLU → FC32, concatenated into a trunk
// FC300 → [BN] → PReLU → FC300 → [BN] → PReLU → FC(out). Batch norm
// (before the activation, as in the public release) is in the generator's
// and encoder's x-branch and trunk, never in the energy: the gradient
// penalty differentiates the energy per example.

const (
	toyEmbedDim = 16
	toyBranch   = 32
)

// mlpBlock is FC → [BN] → PReLU.
type mlpBlock struct {
	fc  *nn.Linear
	bn  *nn.BatchNorm
	act *nn.PReLU
}

func newBlock(name string, in, out int, batchNorm bool, rng *rand.Rand) mlpBlock {
	b := mlpBlock{fc: nn.NewLinear(name+".fc", in, out, rng), act: nn.NewPReLU(name + ".act")}
	if batchNorm {
		b.bn = nn.NewBatchNorm(name+".bn", out)
	}
	return b
}

func (b mlpBlock) forward(g *autograd.Graph, x *autograd.Node, train bool) *autograd.Node {
	h := b.fc.Forward(g, x)
	if b.bn != nil {
		h = b.bn.Forward(g, h, train)
	}
	return b.act.Forward(g, h)
}

// toyNet is the shared two-branch architecture.
type toyNet struct {
	xIn  mlpBlock
	xOut *nn.Linear
	tIn  mlpBlock
	tOut *nn.Linear
	h1   mlpBlock
	h2   mlpBlock
	out  *nn.Linear

	embed *tensor.Dense // SE(k) for k = 0..T−1
}

func newToyNet(name string, in, out, hidden, steps int, batchNorm bool, rng *rand.Rand) *toyNet {
	return &toyNet{
		xIn:   newBlock(name+"/x.0", in, toyEmbedDim, batchNorm, rng),
		xOut:  nn.NewLinear(name+"/x.1", toyEmbedDim, toyBranch, rng),
		tIn:   newBlock(name+"/t.0", toyEmbedDim, toyEmbedDim, false, rng),
		tOut:  nn.NewLinear(name+"/t.1", toyEmbedDim, toyBranch, rng),
		h1:    newBlock(name+"/trunk.0", 2*toyBranch, hidden, batchNorm, rng),
		h2:    newBlock(name+"/trunk.1", hidden, hidden, batchNorm, rng),
		out:   nn.NewLinear(name+"/trunk.2", hidden, out, rng),
		embed: nn.SinusoidalTable(steps, toyEmbedDim),
	}
}

func (n *toyNet) forward(g *autograd.Graph, x *autograd.Node, k []int, train bool) *autograd.Node {
	hx := n.xOut.Forward(g, n.xIn.forward(g, x, train))
	// The t-branch sees only k ∈ {0..T−1}: run it on the T embeddings and
	// give each example its row.
	ht := n.tOut.Forward(g, n.tIn.forward(g, g.Const(n.embed), train))
	h := g.ConcatCols(hx, g.GatherRows(ht, k))
	return n.out.Forward(g, n.h2.forward(g, n.h1.forward(g, h, train), train))
}

// Energy is the Table-6 energy E(x_k, k).
type Energy struct{ *toyNet }

// NewEnergy builds the energy for dim-dimensional data and T steps.
func NewEnergy(dim, hidden, steps int, rng *rand.Rand) *Energy {
	return &Energy{newToyNet("energy", dim, 1, hidden, steps, false, rng)}
}

// Forward returns E(x, k) as a B×1 column.
func (e *Energy) Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node {
	return e.forward(g, x, k, true)
}

// Generator is the Table-6 generator G(x_{k+1}, z, k).
type Generator struct{ *toyNet }

// NewGenerator builds the generator for dim-dimensional data and a zDim latent.
func NewGenerator(dim, zDim, hidden, steps int, rng *rand.Rand) *Generator {
	return &Generator{newToyNet("generator", dim+zDim, dim, hidden, steps, true, rng)}
}

// Forward returns the predicted clean sample x̂0.
func (n *Generator) Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node {
	return n.forward(g, g.ConcatCols(xk1, z), k, train)
}

// Encoder is the Table-6 encoder q_ψ(z | x_k, x_{k+1}, k).
type Encoder struct {
	*toyNet
	zDim int
}

// NewEncoder builds the encoder for dim-dimensional data and a zDim latent.
func NewEncoder(dim, zDim, hidden, steps int, rng *rand.Rand) *Encoder {
	return &Encoder{newToyNet("encoder", 2*dim, 2*zDim, hidden, steps, true, rng), zDim}
}

// Forward returns the mean and log-variance of q_ψ(z | x_k, x_{k+1}, k).
func (n *Encoder) Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node) {
	h := n.forward(g, g.ConcatCols(xk, xk1), k, train)
	return g.SliceCols(h, 0, n.zDim), g.SliceCols(h, n.zDim, 2*n.zDim)
}

// netSize is the size of newToyNet's network before it is built.
func netSize(in, out, hidden, steps int, batchNorm bool) models.Size {
	i, o, h, t := float64(in), float64(out), float64(hidden), float64(steps)
	const e, br = toyEmbedDim, toyBranch
	s := models.Size{
		Values: (i*e + e + 1) + (e*br + br) + (e*e + e + 1) + (e*br + br) +
			(2*br*h + h + 1) + (h*h + h + 1) + (h*o + o) + t*e,
		Width:    e + br + 2*br + 2*h + o,
		StepRows: t * (e + e + br),
	}
	if batchNorm { // x.0, trunk.0 and trunk.1: γ, β and two running statistics each
		s.Values += 4 * (e + 2*h)
		s.Width += e + 2*h
	}
	return s
}

func init() { models.Register(Name, family{}) }

// Name is the family's name in a configuration.
const Name = "toy"

// family builds the Table-6 networks. It reads Spec.Hidden as the width of
// the trunk layers and ignores GenHidden.
type family struct{}

func (family) Check(s models.Spec) error {
	if s.Hidden < 1 {
		return fmt.Errorf("toy networks need hidden ≥ 1, got %d", s.Hidden)
	}
	return nil
}

func (family) Build(s models.Spec, rng *rand.Rand) (models.Energy, models.Generator, models.Encoder) {
	return NewEnergy(s.Dim, s.Hidden, s.T, rng),
		NewGenerator(s.Dim, s.ZDim, s.Hidden, s.T, rng),
		NewEncoder(s.Dim, s.ZDim, s.Hidden, s.T, rng)
}

func (family) Sizes(s models.Spec) (energy, generator, encoder models.Size) {
	return netSize(s.Dim, 1, s.Hidden, s.T, false),
		netSize(s.Dim+s.ZDim, s.Dim, s.Hidden, s.T, true),
		netSize(2*s.Dim, 2*s.ZDim, s.Hidden, s.T, true)
}

func (family) Describe(s models.Spec) string { return fmt.Sprintf("hidden %d", s.Hidden) }

func (family) Traits() models.Traits { return models.Traits{Space: data.PixelSpace} }

func (family) NewSettings() any { return nil }
