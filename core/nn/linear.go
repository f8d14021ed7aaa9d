package nn

import (
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Linear is y = x·W + b with W of shape in×out; a nil B is a layer
// without bias (WithoutBias).
type Linear struct {
	W, B *autograd.Node
}

// WithoutBias drops the layer's bias and returns the layer.
func (l *Linear) WithoutBias() *Linear {
	l.B = nil
	return l
}

// NewLinear initialises W and b uniformly in ±1/√in, PyTorch's default, so
// that runs are comparable with the reference implementation.
func NewLinear(name string, in, out int, rng *rand.Rand) *Linear {
	bound := 1 / math.Sqrt(float64(in))
	uniform := func(r, c int) *tensor.Dense {
		d := tensor.New(r, c)
		for i := range d.Data {
			d.Data[i] = tensor.Float((2*rng.Float64() - 1) * bound)
		}
		return d
	}
	return &Linear{
		W: autograd.NewParam(name+"/W", uniform(in, out)),
		B: autograd.NewParam(name+"/b", uniform(1, out)),
	}
}

// Forward applies the layer to the rows of x.
func (l *Linear) Forward(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	y := g.MatMul(x, l.W, false, false)
	if l.B == nil {
		return y
	}
	return g.AddRow(y, l.B)
}
