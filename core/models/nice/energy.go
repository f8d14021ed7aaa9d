package nice

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The NICE_t energy of docs/ALGORITHM.md §7 (paper Table 7, §4.2, B.2.2):
// the exact log-density of a NICE flow (Dinh et al., 2015) whose coupling
// networks are conditioned on the diffusion step k.
//
// Our reading of the paper, fixed here:
//   - The fixed permutation splits x into its even and odd coordinates
//     (x_0, x_2, …) and (x_1, x_3, …); the flow works on the two halves.
//   - 4 additive couplings alternate: coupling 0 shifts the odd half by
//     m_0(even half, k), coupling 1 the even half by m_1(odd half, k), and
//     so on. Each is volume preserving.
//   - Each shift network m has 5 hidden layers of `width` units,
//     h_l = PReLU(FC(h_{l−1})) + PReLU(FC(SE(k))), the second term being
//     the paper's "linear layer with the time embeddings as the inputs and
//     PReLU nonlinearity" added to the output of hidden layer l; every
//     FC and every PReLU has its own parameters. A final linear layer maps
//     h_5 to the size of the shifted half.
//   - The scale layer multiplies coordinate i (in the order [even, odd])
//     by s_i = exp(ℓ_i), so log|s_i| = ℓ_i; ℓ starts at 0.
//   - E(x, k) = log N(f(x, k); 0, I) + Σ_i ℓ_i, the change of variables
//     through f, so at any k (in particular k = 0) exp(E(·, k)) integrates
//     to 1 and test log-likelihoods are exact.
//   - SE(k) has 16 dimensions, as for the toy networks: the paper does not
//     give its size for MNIST.

const (
	niceCouplings = 4
	niceHidden    = 5
	niceEmbedDim  = 16
)

// Energy is the NICE_t energy.
type Energy struct {
	dim    int
	halves [2][]int // coordinates of the even and the odd half
	layers [niceCouplings]niceCoupling
	// LogScale is ℓ (1×dim, in the order [even half, odd half]).
	LogScale *autograd.Node
	embed    *tensor.Dense // SE(k) for k = 0..T−1
}

type niceCoupling struct {
	shifted int // the half this coupling shifts; the other half conditions it
	hidden  [niceHidden]niceLayer
	out     *nn.Linear
}

// niceLayer is one hidden layer of a shift network with its time branch.
type niceLayer struct {
	fc, tfc   *nn.Linear
	act, tact *nn.PReLU
}

// NewEnergy builds the energy for dim-dimensional data (dim ≥ 2), shift
// networks of the given hidden width (1000 in the paper) and T steps.
func NewEnergy(dim, width, steps int, rng *rand.Rand) *Energy {
	if dim < 2 {
		panic(fmt.Sprintf("nice: NICE needs at least 2 dimensions, got %d", dim))
	}
	e := &Energy{dim: dim, embed: nn.SinusoidalTable(steps, niceEmbedDim)}
	for i := 0; i < dim; i++ {
		e.halves[i%2] = append(e.halves[i%2], i)
	}
	for c := range e.layers {
		l := &e.layers[c]
		l.shifted = 1 - c%2
		in, out := len(e.halves[c%2]), len(e.halves[1-c%2])
		for h := range l.hidden {
			name := fmt.Sprintf("energy/coupling.%d/h.%d", c, h)
			l.hidden[h] = niceLayer{
				fc:   nn.NewLinear(name+".fc", in, width, rng),
				act:  nn.NewPReLU(name + ".act"),
				tfc:  nn.NewLinear(name+".t.fc", niceEmbedDim, width, rng),
				tact: nn.NewPReLU(name + ".t.act"),
			}
			in = width
		}
		l.out = nn.NewLinear(fmt.Sprintf("energy/coupling.%d/out", c), width, out, rng)
	}
	e.LogScale = autograd.NewParam("energy/log_scale", tensor.New(1, dim))
	return e
}

// shift returns m(cond, k) of coupling l.
func (e *Energy) shift(g *autograd.Graph, l *niceCoupling, cond *autograd.Node, k []int) *autograd.Node {
	se := g.Const(e.embed)
	h := cond
	for i := range l.hidden {
		hl := &l.hidden[i]
		// The time branch depends on k only: run it on the T embeddings
		// and give each example its row.
		t := hl.tact.Forward(g, hl.tfc.Forward(g, se))
		h = g.Add(hl.act.Forward(g, hl.fc.Forward(g, h)), g.GatherRows(t, k))
	}
	return l.out.Forward(g, h)
}

// Flow returns f(x, k) (B×dim, coordinates in the order [even, odd]) and
// log|det ∂f/∂x| = Σ ℓ (1×1), the same for every example.
func (e *Energy) Flow(g *autograd.Graph, x *autograd.Node, k []int) (f, logDet *autograd.Node) {
	half := [2]*autograd.Node{g.GatherCols(x, e.halves[0]), g.GatherCols(x, e.halves[1])}
	for c := range e.layers {
		l := &e.layers[c]
		half[l.shifted] = g.Add(half[l.shifted], e.shift(g, l, half[1-l.shifted], k))
	}
	f = g.MulRow(g.ConcatCols(half[0], half[1]), g.Exp(e.LogScale))
	return f, g.SumAll(e.LogScale)
}

// Inverse returns x = f⁻¹(y, k) for y in Flow's output order: the exact
// inverse, which turns N(0, I) draws into exact samples of the model.
func (e *Energy) Inverse(g *autograd.Graph, y *autograd.Node, k []int) *autograd.Node {
	u := g.MulRow(y, g.Exp(g.Scale(e.LogScale, -1)))
	n0 := len(e.halves[0])
	half := [2]*autograd.Node{g.SliceCols(u, 0, n0), g.SliceCols(u, n0, e.dim)}
	for c := len(e.layers) - 1; c >= 0; c-- {
		l := &e.layers[c]
		half[l.shifted] = g.Sub(half[l.shifted], e.shift(g, l, half[1-l.shifted], k))
	}
	return g.Add(g.ScatterCols(half[0], e.halves[0], e.dim), g.ScatterCols(half[1], e.halves[1], e.dim))
}

// Forward returns E(x, k) = log N(f(x, k); 0, I) + log|det ∂f/∂x|, a B×1
// column: the normalised log-density of the flow at step k.
func (e *Energy) Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node {
	f, logDet := e.Flow(g, x, k)
	logN := g.AddConst(g.Scale(g.SumRows(g.Square(f)), -0.5), tensor.Float(-0.5*float64(e.dim)*math.Log(2*math.Pi)))
	return g.Add(logN, g.BroadcastAll(logDet, x.Value.R, 1))
}

// energySize is the size of NewEnergy's network before it is built.
func energySize(dim, width, steps int) models.Size {
	w, t := float64(width), float64(steps)
	halves := [2]float64{float64((dim + 1) / 2), float64(dim / 2)}
	var s models.Size
	for c := range niceCouplings {
		in, out := halves[c%2], halves[1-c%2]
		layer := func(in float64) float64 { return (in*w + w + 1) + (niceEmbedDim*w + w + 1) }
		s.Values += layer(in) + (niceHidden-1)*layer(w) + (w*out + out)
		s.Width += niceHidden*3*w + 2*out // FC, PReLU and the added time branch; the shift and the sum
		s.StepRows += t * niceHidden * 2 * w
	}
	s.Values += float64(dim) + t*niceEmbedDim
	s.Width += 4 * float64(dim)
	return s
}
