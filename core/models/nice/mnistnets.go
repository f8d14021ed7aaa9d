package nice

import (
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The MNIST generator and encoder of Table 7 (docs/ALGORITHM.md §7), with
// w the base width (1600 in the paper):
//
//	generator: concat[x_{k+1}, z] → FC w → PReLU → FC w;  SE(k) → FC50 → PReLU → FC100;
//	           concat → FC 2w → PReLU → BN → FC w → PReLU → BN → FC dim
//	encoder:   concat[x_k, x_{k+1}] → FC 2w → PReLU → FC w;  SE(k) → FC50 → PReLU → FC100;
//	           concat → FC w → PReLU → BN → FC w → PReLU → BN → [mean FC z | log-variance FC z]
//
// Unlike the toy networks, batch norm comes after the activation, as
// Table 7 writes it ("PReLU BN"), and only in the trunk. The two heads of
// the encoder are one FC of 2·z outputs split in halves: the same
// function, initialised from the same distribution. SE(k) has the toy
// networks' 16 dimensions (the paper does not give it for MNIST).

const (
	mnistEmbedDim = 16
	mnistTHidden  = 50
	mnistTOut     = 100
)

// actNormBlock is FC → PReLU → BN.
type actNormBlock struct {
	fc  *nn.Linear
	act *nn.PReLU
	bn  *nn.BatchNorm
}

func newActNormBlock(name string, in, out int, rng *rand.Rand) actNormBlock {
	return actNormBlock{nn.NewLinear(name+".fc", in, out, rng), nn.NewPReLU(name + ".act"), nn.NewBatchNorm(name+".bn", out)}
}

func (b actNormBlock) forward(g *autograd.Graph, x *autograd.Node, train bool) *autograd.Node {
	return b.bn.Forward(g, b.act.Forward(g, b.fc.Forward(g, x)), train)
}

// mnistNet is the shared two-branch architecture of the generator and the encoder.
type mnistNet struct {
	xIn   *nn.Linear
	xAct  *nn.PReLU
	xOut  *nn.Linear
	tIn   *nn.Linear
	tAct  *nn.PReLU
	tOut  *nn.Linear
	h1    actNormBlock
	h2    actNormBlock
	out   *nn.Linear
	embed *tensor.Dense // SE(k) for k = 0..T−1
}

// newMNISTNet builds in → FC xHidden → PReLU → FC xOut, the t-branch, and
// the trunk (xOut+100) → FC trunk1 → FC trunk2 → FC out.
func newMNISTNet(name string, in, xHidden, xOut, trunk1, trunk2, out, steps int, rng *rand.Rand) *mnistNet {
	return &mnistNet{
		xIn:   nn.NewLinear(name+"/x.0.fc", in, xHidden, rng),
		xAct:  nn.NewPReLU(name + "/x.0.act"),
		xOut:  nn.NewLinear(name+"/x.1", xHidden, xOut, rng),
		tIn:   nn.NewLinear(name+"/t.0.fc", mnistEmbedDim, mnistTHidden, rng),
		tAct:  nn.NewPReLU(name + "/t.0.act"),
		tOut:  nn.NewLinear(name+"/t.1", mnistTHidden, mnistTOut, rng),
		h1:    newActNormBlock(name+"/trunk.0", xOut+mnistTOut, trunk1, rng),
		h2:    newActNormBlock(name+"/trunk.1", trunk1, trunk2, rng),
		out:   nn.NewLinear(name+"/trunk.2", trunk2, out, rng),
		embed: nn.SinusoidalTable(steps, mnistEmbedDim),
	}
}

func (n *mnistNet) forward(g *autograd.Graph, x *autograd.Node, k []int, train bool) *autograd.Node {
	hx := n.xOut.Forward(g, n.xAct.Forward(g, n.xIn.Forward(g, x)))
	ht := n.tOut.Forward(g, n.tAct.Forward(g, n.tIn.Forward(g, g.Const(n.embed))))
	h := g.ConcatCols(hx, g.GatherRows(ht, k))
	return n.out.Forward(g, n.h2.forward(g, n.h1.forward(g, h, train), train))
}

// Generator is the Table-7 generator G(x_{k+1}, z, k).
type Generator struct{ *mnistNet }

// NewGenerator builds the generator for dim-dimensional data, a zDim
// latent (50 in the paper) and base width w (1600).
func NewGenerator(dim, zDim, w, steps int, rng *rand.Rand) *Generator {
	return &Generator{newMNISTNet("generator", dim+zDim, w, w, 2*w, w, dim, steps, rng)}
}

// Forward returns the predicted clean sample x̂0.
func (n *Generator) Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node {
	return n.forward(g, g.ConcatCols(xk1, z), k, train)
}

// Encoder is the Table-7 encoder q_ψ(z | x_k, x_{k+1}, k).
type Encoder struct {
	*mnistNet
	zDim int
}

// NewEncoder builds the encoder for dim-dimensional data, a zDim
// latent and base width w.
func NewEncoder(dim, zDim, w, steps int, rng *rand.Rand) *Encoder {
	return &Encoder{newMNISTNet("encoder", 2*dim, 2*w, w, w, w, 2*zDim, steps, rng), zDim}
}

// Forward returns the mean and log-variance of q_ψ(z | x_k, x_{k+1}, k).
func (n *Encoder) Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node) {
	h := n.forward(g, g.ConcatCols(xk, xk1), k, train)
	return g.SliceCols(h, 0, n.zDim), g.SliceCols(h, n.zDim, 2*n.zDim)
}

// MatchData rescales the output layer so that x̂0 starts where the data
// is: in training mode the batch mean of x̂0 is the per-coordinate mean of
// x (the layer's input is batch-normalised, so its mean is the bias) and
// each coordinate's spread is proportional to that of x.
func (n *Generator) MatchData(x *tensor.Dense) {
	w, b := n.out.W.Value, n.out.B.Value
	for j := 0; j < x.C; j++ {
		var s1, s2 float64
		for i := 0; i < x.R; i++ {
			v := float64(x.Data[i*x.C+j])
			s1 += v
			s2 += v * v
		}
		mu := s1 / float64(x.R)
		sd := math.Sqrt(max(s2/float64(x.R)-mu*mu, 0))
		b.Data[j] = tensor.Float(mu)
		for r := 0; r < w.R; r++ {
			w.Data[r*w.C+j] *= tensor.Float(sd)
		}
	}
}

// mnistNetSize is the size of newMNISTNet's network before it is built.
func mnistNetSize(in, xHidden, xOut, trunk1, trunk2, out, steps int) models.Size {
	i, xh, xo, t1, t2, o := float64(in), float64(xHidden), float64(xOut), float64(trunk1), float64(trunk2), float64(out)
	const e, th, to = mnistEmbedDim, mnistTHidden, mnistTOut
	return models.Size{
		Values: (i*xh + xh + 1) + (xh*xo + xo) + (e*th + th + 1) + (th*to + to) +
			((xo+to)*t1 + t1 + 1 + 4*t1) + (t1*t2 + t2 + 1 + 4*t2) + (t2*o + o) + float64(steps)*e,
		Width:    2*xh + xo + (xo + to) + 3*t1 + 3*t2 + o,
		StepRows: float64(steps) * (th + th + to),
	}
}
