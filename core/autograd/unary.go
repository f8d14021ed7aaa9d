package autograd

import (
	"math"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Elementwise functions. Each derivative is built from recorded
// operations (Exp's from its own output, Log's from Pow), so all of them
// have exact derivatives of every order.

func (g *Graph) unary(kind opKind, x *Node, f func(tensor.Float) tensor.Float) *Node {
	out := g.arena.NewUninit(x.Value.R, x.Value.C)
	for i, v := range x.Value.Data {
		out.Data[i] = f(v)
	}
	return g.op(kind, out, x, nil)
}

// Square returns x².
func (g *Graph) Square(x *Node) *Node {
	return g.unary(opSquare, x, func(v tensor.Float) tensor.Float { return v * v })
}

// Exp returns eˣ.
func (g *Graph) Exp(x *Node) *Node {
	return g.unary(opExp, x, func(v tensor.Float) tensor.Float { return tensor.Float(math.Exp(float64(v))) })
}

// Log returns ln x.
func (g *Graph) Log(x *Node) *Node {
	return g.unary(opLog, x, func(v tensor.Float) tensor.Float { return tensor.Float(math.Log(float64(v))) })
}

// Pow returns xᵖ for a constant exponent p.
func (g *Graph) Pow(x *Node, p tensor.Float) *Node {
	n := g.unary(opPow, x, func(v tensor.Float) tensor.Float {
		return tensor.Float(math.Pow(float64(v), float64(p)))
	})
	n.scalar = p
	return n
}

// Sin returns sin x.
func (g *Graph) Sin(x *Node) *Node {
	return g.unary(opSin, x, func(v tensor.Float) tensor.Float { return tensor.Float(math.Sin(float64(v))) })
}

// Cos returns cos x.
func (g *Graph) Cos(x *Node) *Node {
	return g.unary(opCos, x, func(v tensor.Float) tensor.Float { return tensor.Float(math.Cos(float64(v))) })
}

func init() {
	backwardOf[opSquare] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.Scale(n.in[0], 2)))
	}
	backwardOf[opExp] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, n))
	}
	backwardOf[opLog] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.Pow(n.in[0], -1)))
	}
	backwardOf[opPow] = func(g *Graph, n, grad *Node) {
		p := n.scalar
		g.accumulate(n.in[0], g.Mul(grad, g.Scale(g.Pow(n.in[0], p-1), p)))
	}
	backwardOf[opSin] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.Cos(n.in[0])))
	}
	backwardOf[opCos] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.Scale(g.Sin(n.in[0]), -1)))
	}
}
