package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// Elementwise functions. Each derivative is built from recorded
// operations (Exp's from its own output, Log's from Pow), so all of them
// have exact derivatives of every order.

func (g *Graph) unary(kind opKind, op UnaryOp, x *Node, p tensor.Float) *Node {
	out := g.be.NewUninit(x.Value.R, x.Value.C)
	g.be.Unary(op, out, x.Value, p)
	return g.op(kind, out, x, nil)
}

// Square returns x².
func (g *Graph) Square(x *Node) *Node { return g.unary(opSquare, OpSquare, x, 0) }

// Exp returns eˣ.
func (g *Graph) Exp(x *Node) *Node { return g.unary(opExp, OpExp, x, 0) }

// Log returns ln x.
func (g *Graph) Log(x *Node) *Node { return g.unary(opLog, OpLog, x, 0) }

// Pow returns xᵖ for a constant exponent p.
func (g *Graph) Pow(x *Node, p tensor.Float) *Node {
	n := g.unary(opPow, OpPow, x, p)
	n.scalar = p
	return n
}

// Sin returns sin x.
func (g *Graph) Sin(x *Node) *Node { return g.unary(opSin, OpSin, x, 0) }

// Cos returns cos x.
func (g *Graph) Cos(x *Node) *Node { return g.unary(opCos, OpCos, x, 0) }

// Tanh returns tanh x.
func (g *Graph) Tanh(x *Node) *Node { return g.unary(opTanh, OpTanh, x, 0) }

// Sigmoid returns 1/(1 + e⁻ˣ).
func (g *Graph) Sigmoid(x *Node) *Node { return g.unary(opSigmoid, OpSigmoid, x, 0) }

// SiLU returns x·sigmoid(x) (swish), in one pass over x.
func (g *Graph) SiLU(x *Node) *Node { return g.unary(opSiLU, OpSiLU, x, 0) }

// siluGrad and siluGrad2 are SiLU's first and second derivatives, each
// one pass over x: an image energy's penalty graph holds SiLU's
// derivative at every activation, and its backward the second.
func (g *Graph) siluGrad(x *Node) *Node  { return g.unary(opSiLUGrad, OpSiLUGrad, x, 0) }
func (g *Graph) siluGrad2(x *Node) *Node { return g.unary(opSiLUGrad2, OpSiLUGrad2, x, 0) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere, for a constant
// slope: PReLU with a slope that is not learned.
func (g *Graph) LeakyReLU(x *Node, slope tensor.Float) *Node {
	s := g.be.NewUninit(1, 1)
	g.be.Fill(s, slope)
	return g.PReLU(x, g.Const(s))
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
	// tanh' = 1 − tanh², from the output.
	backwardOf[opTanh] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.AddConst(g.Scale(g.Square(n), -1), 1)))
	}
	// σ' = σ·(1 − σ), from the output.
	backwardOf[opSigmoid] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.Mul(n, g.AddConst(g.Scale(n, -1), 1))))
	}
	backwardOf[opSiLU] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.siluGrad(n.in[0])))
	}
	backwardOf[opSiLUGrad] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.siluGrad2(n.in[0])))
	}
	// silu''' = σ'·((1 − 2σ)·(3 + x·(1 − 2σ)) − 2x·σ'), σ' = σ·(1 − σ),
	// from recorded operations: the third order is rare, and exact.
	backwardOf[opSiLUGrad2] = func(g *Graph, n, grad *Node) {
		x := n.in[0]
		s := g.Sigmoid(x)
		ds := g.Mul(s, g.AddConst(g.Scale(s, -1), 1))
		a := g.AddConst(g.Scale(s, -2), 1)
		third := g.Mul(ds, g.Sub(g.Mul(a, g.AddConst(g.Mul(x, a), 3)), g.Scale(g.Mul(x, ds), 2)))
		g.accumulate(x, g.Mul(grad, third))
	}
}
