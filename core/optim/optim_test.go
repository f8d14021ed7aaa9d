package optim

import (
	"math"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Two steps of Adam computed by hand from PyTorch's formulas.
func TestAdamMatchesHandComputation(t *testing.T) {
	p := autograd.NewParam("p", tensor.FromSlice(1, 2, []tensor.Float{1, -2}))
	a := NewAdam([]*autograd.Node{p}, 0.1, 0.5, 0.9)
	grads := [][]float64{{0.5, -1}, {0.25, 2}}
	w := []float64{1, -2}
	m, v := []float64{0, 0}, []float64{0, 0}
	for step, g := range grads {
		copy(p.Grad.Data, []tensor.Float{tensor.Float(g[0]), tensor.Float(g[1])})
		a.Update()
		n := float64(step + 1)
		for j := range w {
			m[j] = 0.5*m[j] + 0.5*g[j]
			v[j] = 0.9*v[j] + 0.1*g[j]*g[j]
			mh, vh := m[j]/(1-math.Pow(0.5, n)), v[j]/(1-math.Pow(0.9, n))
			w[j] -= 0.1 * mh / (math.Sqrt(vh) + 1e-8)
		}
	}
	for j := range w {
		if math.Abs(float64(p.Value.Data[j])-w[j]) > 1e-6 {
			t.Fatalf("param %d = %v, want %v", j, p.Value.Data[j], w[j])
		}
	}
}

// Adam minimises a quadratic.
func TestAdamConverges(t *testing.T) {
	p := autograd.NewParam("p", tensor.FromSlice(1, 1, []tensor.Float{3}))
	a := NewAdam([]*autograd.Node{p}, 0.05, 0, 0.9)
	for range 500 {
		a.ZeroGrad()
		g := autograd.NewGraph()
		d := g.AddConst(p, -1)
		g.Backward(g.SumAll(g.Square(d)), a.Params)
		a.Update()
	}
	if math.Abs(float64(p.Value.Data[0])-1) > 0.05 {
		t.Fatalf("p = %v, want 1", p.Value.Data[0])
	}
}

func TestEMA(t *testing.T) {
	p := autograd.NewParam("p", tensor.FromSlice(1, 1, []tensor.Float{0}))
	e := NewEMA([]*autograd.Node{p}, 0.9)
	p.Value.Data[0] = 1
	e.Update()
	e.Update()
	want := 1 - 0.81
	e.Swap()
	if math.Abs(float64(p.Value.Data[0])-want) > 1e-6 {
		t.Fatalf("averaged value %v, want %v", p.Value.Data[0], want)
	}
	e.Swap()
	if p.Value.Data[0] != 1 {
		t.Fatalf("live value after two swaps %v, want 1", p.Value.Data[0])
	}
}
