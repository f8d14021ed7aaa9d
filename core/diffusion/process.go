package diffusion

import (
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Column returns the B×1 column whose row i is table[k[i]], as a constant
// node of g.
func Column(g *autograd.Graph, table []float64, k []int) *autograd.Node {
	c := g.Tensor(len(k), 1)
	for i, ki := range k {
		c.Data[i] = tensor.Float(table[ki])
	}
	return g.Const(c)
}

// FillNormal fills d with independent standard normal draws.
func FillNormal(d *tensor.Dense, rng *rand.Rand) {
	for i := range d.Data {
		d.Data[i] = tensor.Float(rng.NormFloat64())
	}
}

// Pair draws the training pair x_k ~ q(x_k | x0), x_{k+1} ~ q(x_{k+1} | x_k)
// for each row of x0 with its own step k[i] ∈ {0..T−1}, into xk and xk1.
func (s *Schedule) Pair(x0 *tensor.Dense, k []int, rng *rand.Rand, xk, xk1 *tensor.Dense) {
	for i, ki := range k {
		a, b := tensor.Float(s.SqrtAlphaBar[ki]), tensor.Float(s.SqrtOneMinusAbar[ki])
		c, d := tensor.Float(s.SqrtOneMinusBeta[ki+1]), tensor.Float(s.SqrtBeta[ki+1])
		src, dk, dk1 := x0.Row(i), xk.Row(i), xk1.Row(i)
		for j, v := range src {
			dk[j] = a*v + b*tensor.Float(rng.NormFloat64())
			dk1[j] = c*dk[j] + d*tensor.Float(rng.NormFloat64())
		}
	}
}

// LogTransition returns the B×1 column log q(x_{k+1} | x_k) =
// log N(x_{k+1}; √(1−β_{k+1})·x_k, β_{k+1}·I), with its normalising
// constant, differentiable in both arguments.
func (s *Schedule) LogTransition(g *autograd.Graph, xk1, xk *autograd.Node, k []int) *autograd.Node {
	d := xk.Value.C
	mean := g.MulCol(xk, Column(g, s.SqrtOneMinusBeta[1:], k))
	sq := g.SumRows(g.Square(g.Sub(xk1, mean)))
	negHalfInvBeta := g.Tensor(len(k), 1)
	constant := g.Tensor(len(k), 1)
	for i, ki := range k {
		b := s.Beta[ki+1]
		negHalfInvBeta.Data[i] = tensor.Float(-0.5 / b)
		constant.Data[i] = tensor.Float(-0.5 * float64(d) * math.Log(2*math.Pi*b))
	}
	return g.Add(g.MulCol(sq, g.Const(negHalfInvBeta)), g.Const(constant))
}

// PosteriorMean returns c1_k·x0 + c2_k·x_{k+1}, the mean of q(x_k | x_{k+1}, x0).
func (s *Schedule) PosteriorMean(g *autograd.Graph, x0, xk1 *autograd.Node, k []int) *autograd.Node {
	return g.Add(g.MulCol(x0, Column(g, s.PostC1, k)), g.MulCol(xk1, Column(g, s.PostC2, k)))
}

// PosteriorSample returns the reparameterised draw
// x_k = c1_k·x0 + c2_k·x_{k+1} + √v_k·ε for the given noise ε (a constant),
// so gradients flow into x0 (the generator's prediction).
func (s *Schedule) PosteriorSample(g *autograd.Graph, x0, xk1 *autograd.Node, k []int, noise *tensor.Dense) *autograd.Node {
	std := g.Tensor(len(k), 1)
	for i, ki := range k {
		std.Data[i] = tensor.Float(math.Sqrt(s.PostVar[ki]))
	}
	return g.Add(s.PosteriorMean(g, x0, xk1, k), g.MulCol(g.Const(noise), g.Const(std)))
}

// PosteriorLogPDF returns the B×1 column log q(x_k | x_{k+1}, x0) with the
// log-variance floored at logVarFloor (docs/ALGORITHM.md §5: v_0 ≈ 1e-4 makes
// the unfloored term explode). Pass math.Inf(-1) for no floor.
func (s *Schedule) PosteriorLogPDF(g *autograd.Graph, xk, x0, xk1 *autograd.Node, k []int, logVarFloor float64) *autograd.Node {
	lv := g.Tensor(xk.Value.R, xk.Value.C)
	for i, ki := range k {
		v := tensor.Float(math.Max(s.LogPostVar[ki], logVarFloor))
		row := lv.Row(i)
		for j := range row {
			row[j] = v
		}
	}
	return g.GaussianLogPDF(xk, s.PosteriorMean(g, x0, xk1, k), g.Const(lv))
}
