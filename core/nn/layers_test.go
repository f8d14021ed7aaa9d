package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

func randInput(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float(rng.NormFloat64())
	}
	return d
}

// checkLayer checks first and second derivatives of a non-linear read-out
// of forward with respect to the layer input in[0] and the parameters,
// which forward must take from in[1:] (the checker's leaves).
func checkLayer(t *testing.T, inputs []*tensor.Dense, forward func(g *autograd.Graph, in []*autograd.Node) *autograd.Node) {
	t.Helper()
	f := func(g *autograd.Graph, in []*autograd.Node) *autograd.Node {
		y := forward(g, in)
		return g.Add(g.SumAll(g.Square(y)), g.SumAll(g.Exp(g.Scale(y, 0.3))))
	}
	if err := autograd.CheckGrad(f, inputs, autograd.FDStep, autograd.FDTol); err != nil {
		t.Errorf("first order: %v", err)
	}
	if err := autograd.CheckGradOfGrad(f, inputs, autograd.FDStep, autograd.FDTol); err != nil {
		t.Errorf("second order: %v", err)
	}
}

func TestLinearGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	l := NewLinear("l", 3, 4, rng)
	checkLayer(t, []*tensor.Dense{randInput(rng, 5, 3), l.W.Value, l.B.Value}, func(g *autograd.Graph, in []*autograd.Node) *autograd.Node {
		l.W, l.B = in[1], in[2]
		return l.Forward(g, in[0])
	})
}

func TestLinearThenPReLUGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l := NewLinear("l", 3, 4, rng)
	p := NewPReLU("p")
	x := randInput(rng, 5, 3)
	checkLayer(t, []*tensor.Dense{x, l.W.Value, l.B.Value, p.A.Value}, func(g *autograd.Graph, in []*autograd.Node) *autograd.Node {
		l.W, l.B, p.A = in[1], in[2], in[3]
		return p.Forward(g, l.Forward(g, in[0]))
	})
}

func TestBatchNormGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	b := NewBatchNorm("bn", 3)
	gamma, beta := randInput(rng, 1, 3), randInput(rng, 1, 3)
	checkLayer(t, []*tensor.Dense{randInput(rng, 6, 3), gamma, beta}, func(g *autograd.Graph, in []*autograd.Node) *autograd.Node {
		b.Gamma, b.Beta = in[1], in[2]
		return b.Forward(g, in[0], true)
	})
}

func TestBatchNormNormalisesAndTracksStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	b := NewBatchNorm("bn", 2)
	x := tensor.New(400, 2)
	for i := 0; i < 400; i++ {
		x.Set(i, 0, tensor.Float(3+2*rng.NormFloat64()))
		x.Set(i, 1, tensor.Float(-1+0.5*rng.NormFloat64()))
	}
	var y *tensor.Dense
	for range 100 { // running statistics converge geometrically (momentum 0.1)
		g := autograd.NewGraph()
		y = b.Forward(g, g.Const(x), true).Value.Clone()
	}
	for j := 0; j < 2; j++ {
		var m, v float64
		for i := 0; i < 400; i++ {
			m += float64(y.At(i, j))
		}
		m /= 400
		for i := 0; i < 400; i++ {
			d := float64(y.At(i, j)) - m
			v += d * d
		}
		v /= 400
		if math.Abs(m) > 1e-5 || math.Abs(v-1) > 1e-3 {
			t.Errorf("feature %d: normalised mean %v variance %v, want 0 and 1", j, m, v)
		}
	}
	if math.Abs(float64(b.RunMean.Value.Data[0])-3) > 0.3 || math.Abs(float64(b.RunVar.Value.Data[1])-0.25) > 0.05 {
		t.Errorf("running statistics %v %v, want ≈ [3 -1] and ≈ [4 0.25]", b.RunMean.Value.Data, b.RunVar.Value.Data)
	}
	// In evaluation mode the layer uses the running statistics, which for
	// this fixed batch match the batch ones up to the unbiased correction.
	g := autograd.NewGraph()
	e := b.Forward(g, g.Const(x), false).Value
	for i := range e.Data {
		if math.Abs(float64(e.Data[i]-y.Data[i])) > 0.01 {
			t.Fatalf("eval output %v differs from train output %v at %d", e.Data[i], y.Data[i], i)
		}
	}
}

func TestSinusoidalTable(t *testing.T) {
	tab := SinusoidalTable(4, 16)
	for k := 0; k < 4; k++ {
		for j := 0; j < 8; j++ {
			f := math.Exp(-float64(j) * math.Log(10000) / 7)
			if math.Abs(float64(tab.At(k, j))-math.Sin(float64(k)*f)) > 1e-6 ||
				math.Abs(float64(tab.At(k, 8+j))-math.Cos(float64(k)*f)) > 1e-6 {
				t.Fatalf("SE(%d)[%d] wrong", k, j)
			}
		}
	}
	// Frequencies run from 1 down to 1e-4: SE(1) starts with sin(1).
	if math.Abs(float64(tab.At(1, 0))-math.Sin(1)) > 1e-6 || math.Abs(float64(tab.At(1, 7))-math.Sin(1e-4)) > 1e-7 {
		t.Fatalf("frequency range wrong: %v", tab.Row(1))
	}
}

func TestLinearInitRange(t *testing.T) {
	l := NewLinear("l", 100, 50, rand.New(rand.NewPCG(4, 4)))
	var maxAbs float64
	for _, v := range l.W.Value.Data {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	if maxAbs > 0.1 || maxAbs < 0.09 {
		t.Fatalf("max |W| = %v, want just under 1/√100 = 0.1", maxAbs)
	}
	if l.W.Name != "l/W" || l.B.Name != "l/b" {
		t.Fatalf("names %q %q", l.W.Name, l.B.Name)
	}
}
