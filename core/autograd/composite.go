package autograd

import (
	"math"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Mean returns the 1×1 mean of every element of x.
func (g *Graph) Mean(x *Node) *Node {
	return g.Scale(g.SumAll(x), 1/tensor.Float(x.Value.Len()))
}

// GaussianLogPDF returns the B×1 column log N(x; mean, diag(exp(logVar)))
// summed over features, including the −½·log 2π constant.
func (g *Graph) GaussianLogPDF(x, mean, logVar *Node) *Node {
	d := g.Sub(x, mean)
	quad := g.Mul(g.Square(d), g.Exp(g.Scale(logVar, -1)))
	per := g.AddConst(g.Add(quad, logVar), tensor.Float(math.Log(2*math.Pi)))
	return g.Scale(g.SumRows(per), -0.5)
}

// StdNormalKL returns the B×1 column KL(N(mean, diag(exp(logVar))) ‖ N(0, I)).
func (g *Graph) StdNormalKL(mean, logVar *Node) *Node {
	per := g.Sub(g.Add(g.Square(mean), g.Exp(logVar)), g.AddConst(logVar, 1))
	return g.Scale(g.SumRows(per), 0.5)
}
