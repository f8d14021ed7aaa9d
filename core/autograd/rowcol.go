package autograd

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Broadcasting operations between a B×F matrix and a 1×F row or a B×1
// column. Each backward is another operation of this file, so the family
// is closed under differentiation.

func mustRow(op string, x, r *tensor.Dense) {
	if r.R != 1 || r.C != x.C {
		panic(fmt.Sprintf("autograd: %s: want a 1×%d row, got %v", op, x.C, r))
	}
}

func mustCol(op string, x, c *tensor.Dense) {
	if c.C != 1 || c.R != x.R {
		panic(fmt.Sprintf("autograd: %s: want a %d×1 column, got %v", op, x.R, c))
	}
}

// AddRow returns x + r, adding the 1×F row r to every row of x.
func (g *Graph) AddRow(x, r *Node) *Node {
	mustRow("AddRow", x.Value, r.Value)
	out := g.be.NewUninit(x.Value.R, x.Value.C)
	g.be.RowBinary(OpAdd, out, x.Value, r.Value)
	return g.op(opAddRow, out, x, r)
}

// MulRow returns x ⊙ r, scaling column j of x by r[j].
func (g *Graph) MulRow(x, r *Node) *Node {
	mustRow("MulRow", x.Value, r.Value)
	out := g.be.NewUninit(x.Value.R, x.Value.C)
	g.be.RowBinary(OpMul, out, x.Value, r.Value)
	return g.op(opMulRow, out, x, r)
}

// MulCol returns x ⊙ c, scaling row i of x by c[i].
func (g *Graph) MulCol(x, c *Node) *Node {
	mustCol("MulCol", x.Value, c.Value)
	out := g.be.NewUninit(x.Value.R, x.Value.C)
	g.be.ColMul(out, x.Value, c.Value)
	return g.op(opMulCol, out, x, c)
}

// MulColSum returns Σ_i xs[i] ⊙ cols[i], row r of xs[i] scaled by
// cols[i]'s element r: the sum of the MulCol(xs[i], cols[i]), computed as
// one operation of 1 to MaxColMulSumTerms terms (one kernel on a device
// rather than a MulCol per term and an Add per sum). Its backward rules
// are those of MulCol, so it has exact derivatives of every order.
func (g *Graph) MulColSum(xs, cols []*Node) *Node {
	n := len(xs)
	if n == 0 || n > MaxColMulSumTerms || len(cols) != n {
		panic(fmt.Sprintf("autograd: MulColSum of %d matrices and %d columns; want 1 to %d of each",
			len(xs), len(cols), MaxColMulSumTerms))
	}
	var xv, cv [MaxColMulSumTerms]*tensor.Dense
	ins := make([]*Node, 0, 2*n)
	for i, x := range xs {
		tensor.MustSameShape("MulColSum", xs[0].Value, x.Value)
		mustCol("MulColSum", x.Value, cols[i].Value)
		xv[i], cv[i] = x.Value, cols[i].Value
		ins = append(ins, x, cols[i])
	}
	out := g.be.NewUninit(xs[0].Value.R, xs[0].Value.C)
	g.be.ColMulSum(out, xv[:n], cv[:n])
	return g.opN(opMulColSum, out, ins)
}

// SumRows returns the B×1 column of row sums.
func (g *Graph) SumRows(x *Node) *Node {
	out := g.be.NewUninit(x.Value.R, 1)
	g.be.SumRows(out, x.Value)
	return g.op(opSumRows, out, x, nil)
}

// SumCols returns the 1×F row of column sums.
func (g *Graph) SumCols(x *Node) *Node {
	out := g.be.NewUninit(1, x.Value.C)
	g.be.SumCols(out, x.Value)
	return g.op(opSumCols, out, x, nil)
}

// SumAll returns the 1×1 sum of every element.
func (g *Graph) SumAll(x *Node) *Node {
	out := g.be.NewUninit(1, 1)
	g.be.SumAll(out, x.Value)
	return g.op(opSumAll, out, x, nil)
}

// BroadcastRows repeats the 1×F row r as a rows×F matrix.
func (g *Graph) BroadcastRows(r *Node, rows int) *Node {
	out := g.be.NewUninit(rows, r.Value.C)
	g.be.BroadcastRows(out, r.Value)
	return g.op(opBroadcastRows, out, r, nil)
}

// BroadcastCols repeats the B×1 column c as a B×cols matrix.
func (g *Graph) BroadcastCols(c *Node, cols int) *Node {
	out := g.be.NewUninit(c.Value.R, cols)
	g.be.BroadcastCols(out, c.Value)
	return g.op(opBroadcastCols, out, c, nil)
}

// BroadcastAll repeats the 1×1 value s as an r×c matrix.
func (g *Graph) BroadcastAll(s *Node, r, c int) *Node {
	out := g.be.NewUninit(r, c)
	g.be.BroadcastAll(out, s.Value)
	return g.op(opBroadcastAll, out, s, nil)
}

func init() {
	backwardOf[opAddRow] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], grad)
		if g.needs(n.in[1]) {
			g.accumulate(n.in[1], g.SumCols(grad))
		}
	}
	backwardOf[opMulRow] = func(g *Graph, n, grad *Node) {
		if g.needs(n.in[0]) {
			g.accumulate(n.in[0], g.MulRow(grad, n.in[1]))
		}
		if g.needs(n.in[1]) {
			g.accumulate(n.in[1], g.SumCols(g.Mul(grad, n.in[0])))
		}
	}
	backwardOf[opMulCol] = func(g *Graph, n, grad *Node) {
		if g.needs(n.in[0]) {
			g.accumulate(n.in[0], g.MulCol(grad, n.in[1]))
		}
		if g.needs(n.in[1]) {
			g.accumulate(n.in[1], g.SumRows(g.Mul(grad, n.in[0])))
		}
	}
	backwardOf[opMulColSum] = func(g *Graph, n, grad *Node) {
		for i := 0; i < 2+len(n.more); i += 2 {
			x, c := n.input(i), n.input(i+1)
			if g.needs(x) {
				g.accumulate(x, g.MulCol(grad, c))
			}
			if g.needs(c) {
				g.accumulate(c, g.SumRows(g.Mul(grad, x)))
			}
		}
	}
	backwardOf[opSumRows] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.BroadcastCols(grad, n.in[0].Value.C))
	}
	backwardOf[opSumCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.BroadcastRows(grad, n.in[0].Value.R))
	}
	backwardOf[opSumAll] = func(g *Graph, n, grad *Node) {
		x := n.in[0].Value
		g.accumulate(n.in[0], g.BroadcastAll(grad, x.R, x.C))
	}
	backwardOf[opBroadcastRows] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.SumCols(grad))
	}
	backwardOf[opBroadcastCols] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.SumRows(grad))
	}
	backwardOf[opBroadcastAll] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.SumAll(grad))
	}
}
