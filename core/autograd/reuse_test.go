package autograd

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// A gradient computed without recording reuses the memory of values it
// has passed on, and gives exactly the gradient a recorded pass gives:
// here the parameters' gradient of a gradient penalty through
// convolutions, SiLU, group norm and a skip connection, the shape of an
// image energy's max step.
func TestUnrecordedGradientsReuseMemory(t *testing.T) {
	im := Image{H: 16, W: 16, C: 8}
	p := NewPatches(im, Window{KH: 3, KW: 3, Pad: 1})
	groups := NewGroups(im, 2)
	rng := rand.New(rand.NewPCG(4, 4))
	x0, w1, w2 := randMatrix(rng, 16, im.Size()), randMatrix(rng, p.Len(), im.C), randMatrix(rng, p.Len(), im.C)
	run := func(record bool) ([]*tensor.Dense, int) {
		cpu := NewCPU()
		g := NewGraphOn(cpu)
		params := []*Node{NewParam("w1", w1.Clone()), NewParam("w2", w2.Clone())}
		x := g.Leaf(x0)
		h := g.SiLU(g.GroupNorm(g.Scale(g.Conv(x, params[0], p), 0.1), groups, 1e-5))
		u := g.Add(x, g.Scale(g.Conv(h, params[1], p), 0.1))
		e := g.SumAll(g.Square(g.Sub(x, u)))
		gx := g.Grad(e, []*Node{x}, true)[0]
		loss := g.Add(e, g.SumAll(g.Square(gx)))
		var out []*tensor.Dense
		for _, d := range g.Grad(loss, params, record) {
			out = append(out, d.Value.Clone())
		}
		return out, cpu.StepElements()
	}
	reused, small := run(false)
	recorded, large := run(true)
	for i := range reused {
		if !slices.Equal(reused[i].Data, recorded[i].Data) {
			t.Errorf("gradient %d differs when memory is reused", i)
		}
	}
	t.Logf("step memory: %d elements reused, %d recorded", small, large)
	if !(float64(small) < 0.8*float64(large)) {
		t.Errorf("step memory %d elements with reuse, %d without: want at least a fifth less", small, large)
	}
}
