//go:build f64

package ddaebm

import (
	"math/rand/v2"
	"testing"
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
	checkEnergyLossGradient(t, m, xk, xk1, fake, k, energyExtras{})
}
