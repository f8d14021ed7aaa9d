package nice

import (
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
)

// Parameter counts follow Table 7 for any width.
func TestParameterCounts(t *testing.T) {
	const d, z, w, T = 10, 3, 5, 4
	rng := rand.New(rand.NewPCG(1, 1))
	count := func(ps []*autograd.Node) (n int) {
		for _, p := range ps {
			n += p.Value.Len()
		}
		return n
	}
	fc := func(in, out int) int { return in*out + out }
	tBranch := fc(mnistEmbedDim, mnistTHidden) + fc(mnistTHidden, mnistTOut) + 1
	bn := func(f int) int { return 2 * f }
	gen := fc(d+z, w) + 1 + fc(w, w) + tBranch + fc(w+mnistTOut, 2*w) + 1 + bn(2*w) + fc(2*w, w) + 1 + bn(w) + fc(w, d)
	enc := fc(2*d, 2*w) + 1 + fc(2*w, w) + tBranch + fc(w+mnistTOut, w) + 1 + bn(w) + fc(w, w) + 1 + bn(w) + fc(w, 2*z)
	if got := count(nn.Params(NewGenerator(d, z, w, T, rng))); got != gen {
		t.Errorf("generator has %d parameters, want %d", got, gen)
	}
	if got := count(nn.Params(NewEncoder(d, z, w, T, rng))); got != enc {
		t.Errorf("encoder has %d parameters, want %d", got, enc)
	}
	const h = 7
	shift := func(in, out int) int {
		return fc(in, h) + 4*fc(h, h) + niceHidden*(2+fc(mnistEmbedDim, h)) + fc(h, out)
	}
	if got, want := count(nn.Params(NewEnergy(d, h, T, rng))), 4*shift(d/2, d/2)+d; got != want {
		t.Errorf("NICE energy has %d parameters, want %d", got, want)
	}
	if got := len(nn.Buffers(NewEncoder(d, z, w, T, rng))); got != 4 {
		t.Errorf("encoder has %d batch-norm buffers, want 4", got)
	}
}
