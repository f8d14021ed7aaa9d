package autograd

import (
	"fmt"
	"math"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// LogSoftmax returns, row by row, x − log Σ_j exp(x_j). Each row's maximum
// is subtracted first as a constant, which keeps exp from overflowing and
// changes neither the value nor any derivative (log-sum-exp shifts with
// its argument), so the result has the exact gradients of every order of
// the operations it is built from.
func (g *Graph) LogSoftmax(x *Node) *Node {
	g.mustBeOnHost("LogSoftmax", x)
	r, c := x.Value.R, x.Value.C
	shift := g.be.NewUninit(r, 1)
	for i := 0; i < r; i++ {
		m := tensor.Float(math.Inf(-1))
		for _, v := range x.Value.Row(i) {
			m = max(m, v)
		}
		shift.Data[i] = m
	}
	s := g.Sub(x, g.BroadcastCols(g.Const(shift), c))
	lse := g.Log(g.SumRows(g.Exp(s)))
	return g.Sub(s, g.BroadcastCols(lse, c))
}

// CrossEntropy returns the 1×1 mean over rows of −log softmax(logits)[label],
// the classification loss for one integer label per row.
func (g *Graph) CrossEntropy(logits *Node, labels []int) *Node {
	r, c := logits.Value.R, logits.Value.C
	if len(labels) != r {
		panic(fmt.Sprintf("autograd: CrossEntropy: %d labels for %v logits", len(labels), logits.Value))
	}
	g.mustBeOnHost("CrossEntropy", logits)
	pick := g.be.New(r, c)
	for i, l := range labels {
		if l < 0 || l >= c {
			panic(fmt.Sprintf("autograd: CrossEntropy: label %d outside 0..%d", l, c-1))
		}
		pick.Data[i*c+l] = -1 / tensor.Float(r)
	}
	return g.SumAll(g.Mul(g.LogSoftmax(logits), g.Const(pick)))
}
