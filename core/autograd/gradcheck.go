package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// ScalarFunc builds a scalar (1×1) from its inputs in g.
type ScalarFunc func(g *Graph, in []*Node) *Node

// CheckGrad compares the gradient of f at inputs, from Grad, with central
// differences of step eps. It returns an error naming the first element
// whose two values differ by more than tol·max(1, |value|).
func CheckGrad(f ScalarFunc, inputs []*tensor.Dense, eps, tol float64) error {
	analytic := gradients(f, inputs)
	numeric := numericGrad(func(in []*tensor.Dense) float64 { return eval(f, in) }, inputs, eps)
	return compare("gradient", analytic, numeric, tol)
}

// CheckGradOfGrad checks second derivatives: for S(x) = Σ w ⊙ ∂f/∂in[0]
// with fixed random weights w, it compares Grad of S with respect to every
// input (which differentiates the backward graph of f) with central
// differences of S, evaluated through first-order gradients.
func CheckGradOfGrad(f ScalarFunc, inputs []*tensor.Dense, eps, tol float64) error {
	rng := rand.New(rand.NewPCG(7, 11))
	w := tensor.New(inputs[0].R, inputs[0].C)
	for i := range w.Data {
		w.Data[i] = tensor.Float(rng.NormFloat64())
	}
	s := func(g *Graph, in []*Node) *Node {
		d := g.Grad(f(g, in), in[:1], true)[0]
		if d == nil {
			return g.Const(g.Tensor(1, 1))
		}
		return g.SumAll(g.Mul(d, g.Const(w)))
	}
	analytic := gradients(s, inputs)
	numeric := numericGrad(func(in []*tensor.Dense) float64 {
		d := gradients(f, in)[0]
		var v float64
		for i, x := range d.Data {
			v += float64(x) * float64(w.Data[i])
		}
		return v
	}, inputs, eps)
	return compare("second derivative", analytic, numeric, tol)
}

func eval(f ScalarFunc, inputs []*tensor.Dense) float64 {
	g := NewGraph()
	in := make([]*Node, len(inputs))
	for i, x := range inputs {
		in[i] = g.Leaf(x)
	}
	return float64(f(g, in).Value.Data[0])
}

// gradients returns heap copies of ∂f/∂inputs (zeros where f does not depend on one).
func gradients(f ScalarFunc, inputs []*tensor.Dense) []*tensor.Dense {
	g := NewGraph()
	in := make([]*Node, len(inputs))
	for i, x := range inputs {
		in[i] = g.Leaf(x)
	}
	out := make([]*tensor.Dense, len(inputs))
	for i, d := range g.Grad(f(g, in), in, false) {
		if d == nil {
			out[i] = tensor.New(inputs[i].R, inputs[i].C)
		} else {
			out[i] = d.Value.Clone()
		}
	}
	return out
}

func numericGrad(f func([]*tensor.Dense) float64, inputs []*tensor.Dense, eps float64) []*tensor.Dense {
	out := make([]*tensor.Dense, len(inputs))
	for k, x := range inputs {
		out[k] = tensor.New(x.R, x.C)
		for i, v := range x.Data {
			x.Data[i] = v + tensor.Float(eps)
			up := f(inputs)
			x.Data[i] = v - tensor.Float(eps)
			down := f(inputs)
			x.Data[i] = v
			out[k].Data[i] = tensor.Float((up - down) / (2 * eps))
		}
	}
	return out
}

func compare(what string, analytic, numeric []*tensor.Dense, tol float64) error {
	for k := range analytic {
		for i := range analytic[k].Data {
			a, n := float64(analytic[k].Data[i]), float64(numeric[k].Data[i])
			if math.IsNaN(a) || math.Abs(a-n) > tol*math.Max(1, math.Max(math.Abs(a), math.Abs(n))) {
				return fmt.Errorf("%s of input %d element %d: analytic %.8g, finite differences %.8g", what, k, i, a, n)
			}
		}
	}
	return nil
}
