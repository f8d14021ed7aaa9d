package autograd

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// LogSoftmax returns, row by row, x − log Σ_j exp(x_j). Each row's maximum
// is subtracted first as a constant, which keeps exp from overflowing and
// changes neither the value nor any derivative (log-sum-exp shifts with
// its argument), so the result has the exact gradients of every order of
// the operations it is built from.
func (g *Graph) LogSoftmax(x *Node) *Node {
	r, c := x.Value.R, x.Value.C
	shift := g.be.NewUninit(r, 1)
	g.be.MaxRows(shift, x.Value)
	s := g.Sub(x, g.BroadcastCols(g.Const(shift), c))
	lse := g.Log(g.SumRows(g.Exp(s)))
	return g.Sub(s, g.BroadcastCols(lse, c))
}

// Softmax returns, row by row, exp(x_j)/Σ_k exp(x_k): attention's weights
// over the keys in each row. It is the exponential of LogSoftmax, so as
// stable and as exact.
func (g *Graph) Softmax(x *Node) *Node { return g.Exp(g.LogSoftmax(x)) }

// CrossEntropy returns the 1×1 mean over rows of −log softmax(logits)[label],
// the classification loss for one integer label per row.
func (g *Graph) CrossEntropy(logits *Node, labels []int) *Node {
	r, c := logits.Value.R, logits.Value.C
	if len(labels) != r {
		panic(fmt.Sprintf("autograd: CrossEntropy: %d labels for %v logits", len(labels), logits.Value))
	}
	pick := g.HostTensor(r, c)
	for i, l := range labels {
		if l < 0 || l >= c {
			panic(fmt.Sprintf("autograd: CrossEntropy: label %d outside 0..%d", l, c-1))
		}
		pick.Data[i*c+l] = -1 / tensor.Float(r)
	}
	return g.SumAll(g.Mul(g.LogSoftmax(logits), g.ConstHost(pick)))
}
