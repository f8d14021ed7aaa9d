package nn

import (
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// BatchNorm normalises each feature over the batch (training) or with
// running statistics (evaluation), then applies a learned scale and shift.
// Momentum and ε follow PyTorch's BatchNorm1d (0.1, 1e-5), including the
// unbiased variance in the running estimate.
type BatchNorm struct {
	Gamma, Beta     *autograd.Node
	RunMean, RunVar Buffer // running statistics, used in evaluation
	Momentum, Eps   tensor.Float
}

// NewBatchNorm returns a layer over f features with γ = 1, β = 0.
func NewBatchNorm(name string, f int) *BatchNorm {
	return &BatchNorm{
		Gamma:    autograd.NewParam(name+"/gamma", tensor.Full(1, f, 1)),
		Beta:     autograd.NewParam(name+"/beta", tensor.New(1, f)),
		RunMean:  Buffer{name + "/running_mean", tensor.New(1, f)},
		RunVar:   Buffer{name + "/running_var", tensor.Full(1, f, 1)},
		Momentum: 0.1,
		Eps:      1e-5,
	}
}

// Forward normalises x. In training mode it uses the batch statistics and
// updates the running ones; otherwise it uses the running statistics.
func (b *BatchNorm) Forward(g *autograd.Graph, x *autograd.Node, train bool) *autograd.Node {
	rows := x.Value.R
	if !train {
		scale := g.Pow(g.AddConst(g.Const(b.RunVar.Value), b.Eps), -0.5)
		shift := g.Scale(g.Mul(g.Const(b.RunMean.Value), scale), -1)
		xn := g.AddRow(g.MulRow(x, scale), shift)
		return g.AddRow(g.MulRow(xn, b.Gamma), b.Beta)
	}
	inv := 1 / tensor.Float(rows)
	mean := g.Scale(g.SumCols(x), inv)
	centred := g.Sub(x, g.BroadcastRows(mean, rows))
	variance := g.Scale(g.SumCols(g.Square(centred)), inv)
	invStd := g.Pow(g.AddConst(variance, b.Eps), -0.5)
	b.updateRunning(g.Backend(), mean.Value, variance.Value, rows)
	return g.AddRow(g.MulRow(centred, g.Mul(invStd, b.Gamma)), b.Beta)
}

func (b *BatchNorm) updateRunning(be autograd.Backend, mean, variance *tensor.Dense, rows int) {
	unbias := tensor.Float(1)
	if rows > 1 {
		unbias = tensor.Float(rows) / tensor.Float(rows-1)
	}
	be.Lerp(b.RunMean.Value, mean, b.Momentum, 1)
	be.Lerp(b.RunVar.Value, variance, b.Momentum, unbias)
}
