//go:build f64

package ddaebm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
)

// This check runs in the f64 build only (make test runs it): the loss
// goes through 20 PReLU layers twice (the penalty differentiates the
// energy), and float32 central differences, whose step must be 1e-2 to
// rise above rounding, cross activation kinks and miss the curvature by
// more than any useful tolerance. In float64 they agree to 1e-6.

// The max-step loss with the NICE_t energy, penalty included, has the
// gradient finite differences give for every energy parameter.
func TestNICEEnergyLossGradientIsExact(t *testing.T) {
	cfg := tinyMNISTConfig()
	cfg.Dim, cfg.Hidden, cfg.Gamma = 4, 2, 0.5
	m := newModel(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	xk, xk1, fake := randomMatrix(rng, 4, 4), randomMatrix(rng, 4, 4), randomMatrix(rng, 4, 4)
	k := []int{0, 1, 2, 3}
	lossAt := func() float64 {
		var st StepStats
		return float64(m.energyLoss(autograd.NewGraph(), xk, xk1, fake, k, &st).Value.Data[0])
	}
	m.OptE.ZeroGrad()
	g := autograd.NewGraph()
	var st StepStats
	g.Backward(m.energyLoss(g, xk, xk1, fake, k, &st), m.OptE.Params)
	for _, p := range m.OptE.Params {
		for j := range p.Value.Data {
			v := p.Value.Data[j]
			p.Value.Data[j] = v + fdStep
			up := lossAt()
			p.Value.Data[j] = v - fdStep
			down := lossAt()
			p.Value.Data[j] = v
			numeric := (up - down) / (2 * fdStep)
			if a := float64(p.Grad.Data[j]); math.Abs(a-numeric) > fdTol*math.Max(1, math.Abs(numeric)) {
				t.Fatalf("%s[%d]: analytic %.8g, finite differences %.8g", p.Name, j, a, numeric)
			}
		}
	}
}
