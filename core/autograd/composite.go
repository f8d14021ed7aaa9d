package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// Mean returns the 1×1 mean of every element of x.
func (g *Graph) Mean(x *Node) *Node {
	return g.Scale(g.SumAll(x), 1/tensor.Float(x.Value.Len()))
}

// GaussianLogPDF returns the B×1 column log N(x; mean, diag(exp(logVar)))
// summed over features, including the −½·log 2π constant:
// −½·Σ_j [(x−mean)²·e^(−logVar) + logVar + log 2π] per row.
//
// It is one operation (one kernel on a device, rather than nine), whose
// backward rule is built from recorded operations, so its derivatives of
// every order are exact: with w = (x−mean)·e^(−logVar) and g the B×1
// gradient, ∂/∂x = −w·g, ∂/∂mean = w·g and ∂/∂logVar = ½·((x−mean)·w − 1)·g.
func (g *Graph) GaussianLogPDF(x, mean, logVar *Node) *Node {
	tensor.MustSameShape("GaussianLogPDF", x.Value, mean.Value)
	tensor.MustSameShape("GaussianLogPDF", x.Value, logVar.Value)
	out := g.be.NewUninit(x.Value.R, 1)
	g.be.GaussianLogPDF(out, x.Value, mean.Value, logVar.Value)
	return g.opN(opGaussianLogPDF, out, []*Node{x, mean, logVar})
}

// StdNormalKL returns the B×1 column KL(N(mean, diag(exp(logVar))) ‖ N(0, I)).
func (g *Graph) StdNormalKL(mean, logVar *Node) *Node {
	per := g.Sub(g.Add(g.Square(mean), g.Exp(logVar)), g.AddConst(logVar, 1))
	return g.Scale(g.SumRows(per), 0.5)
}

func init() {
	backwardOf[opGaussianLogPDF] = func(g *Graph, n, grad *Node) {
		x, mean, logVar := n.input(0), n.input(1), n.input(2)
		d := g.Sub(x, mean)
		w := g.Mul(d, g.Exp(g.Scale(logVar, -1))) // (x−mean)·e^(−logVar)
		if g.needs(x) || g.needs(mean) {
			dMean := g.MulCol(w, grad)
			g.accumulate(mean, dMean)
			if g.needs(x) {
				g.accumulate(x, g.Scale(dMean, -1))
			}
		}
		if g.needs(logVar) {
			g.accumulate(logVar, g.MulCol(g.Scale(g.AddConst(g.Mul(d, w), -1), 0.5), grad))
		}
	}
}
