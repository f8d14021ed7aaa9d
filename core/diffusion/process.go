package diffusion

import (
	"math"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Column returns the B×1 column whose row i is table[k[i]], as a constant
// node of g.
func Column(g *autograd.Graph, table []float64, k []int) *autograd.Node {
	c := g.HostTensor(len(k), 1)
	for i, ki := range k {
		c.Data[i] = tensor.Float(table[ki])
	}
	return g.ConstHost(c)
}

// Pair draws the training pair x_k ~ q(x_k | x0), x_{k+1} ~ q(x_{k+1} | x_k)
// for each row of x0 with its own step k[i] ∈ {0..T−1}, the noise of each
// from its own stream (seedK, seedK1).
func (s *Schedule) Pair(g *autograd.Graph, x0 *autograd.Node, k []int, seedK, seedK1 uint64) (xk, xk1 *autograd.Node) {
	b, d := x0.Value.R, x0.Value.C
	xk = g.MulColSum([]*autograd.Node{x0, g.Normal(b, d, seedK)},
		[]*autograd.Node{Column(g, s.SqrtAlphaBar, k), Column(g, s.SqrtOneMinusAbar, k)})
	xk1 = g.MulColSum([]*autograd.Node{xk, g.Normal(b, d, seedK1)},
		[]*autograd.Node{Column(g, s.SqrtOneMinusBeta[1:], k), Column(g, s.SqrtBeta[1:], k)})
	return xk, xk1
}

// LogTransition returns the B×1 column log q(x_{k+1} | x_k) =
// log N(x_{k+1}; √(1−β_{k+1})·x_k, β_{k+1}·I), with its normalising
// constant, differentiable in both arguments.
func (s *Schedule) LogTransition(g *autograd.Graph, xk1, xk *autograd.Node, k []int) *autograd.Node {
	d := xk.Value.C
	mean := g.MulCol(xk, Column(g, s.SqrtOneMinusBeta[1:], k))
	sq := g.SumRows(g.Square(g.Sub(xk1, mean)))
	negHalfInvBeta := g.HostTensor(len(k), 1)
	constant := g.HostTensor(len(k), 1)
	for i, ki := range k {
		b := s.Beta[ki+1]
		negHalfInvBeta.Data[i] = tensor.Float(-0.5 / b)
		constant.Data[i] = tensor.Float(-0.5 * float64(d) * math.Log(2*math.Pi*b))
	}
	return g.Add(g.MulCol(sq, g.ConstHost(negHalfInvBeta)), g.ConstHost(constant))
}

// PosteriorMean returns c1_k·x0 + c2_k·x_{k+1}, the mean of q(x_k | x_{k+1}, x0),
// as one MulColSum.
func (s *Schedule) PosteriorMean(g *autograd.Graph, x0, xk1 *autograd.Node, k []int) *autograd.Node {
	return g.MulColSum([]*autograd.Node{x0, xk1}, []*autograd.Node{Column(g, s.PostC1, k), Column(g, s.PostC2, k)})
}

// PosteriorSample returns the reparameterised draw
// x_k = c1_k·x0 + c2_k·x_{k+1} + √v_k·ε for the given noise ε (a constant),
// so gradients flow into x0 (the generator's prediction): one MulColSum of
// three terms.
func (s *Schedule) PosteriorSample(g *autograd.Graph, x0, xk1 *autograd.Node, k []int, noise *autograd.Node) *autograd.Node {
	return g.MulColSum([]*autograd.Node{x0, xk1, noise},
		[]*autograd.Node{Column(g, s.PostC1, k), Column(g, s.PostC2, k), Column(g, s.PostStd, k)})
}

// PosteriorLogPDF returns the B×1 column log q(x_k | x_{k+1}, x0) with the
// log-variance floored at logVarFloor (docs/ALGORITHM.md §5: v_0 ≈ 1e-4 makes
// the unfloored term explode). Pass math.Inf(-1) for no floor.
func (s *Schedule) PosteriorLogPDF(g *autograd.Graph, xk, x0, xk1 *autograd.Node, k []int, logVarFloor float64) *autograd.Node {
	lv := g.HostTensor(len(k), 1)
	for i, ki := range k {
		lv.Data[i] = tensor.Float(math.Max(s.LogPostVar[ki], logVarFloor))
	}
	return g.GaussianLogPDF(xk, s.PosteriorMean(g, x0, xk1, k), g.BroadcastCols(g.ConstHost(lv), xk.Value.C))
}
