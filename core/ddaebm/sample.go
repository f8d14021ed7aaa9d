package ddaebm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/diffusion"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// chunkRows bounds the rows pushed through a network at once when sampling
// or scoring, so memory stays flat for any n.
const chunkRows = 4096

// Sample draws n samples with NFE = T: x_T ~ N(0, I), then for
// k = T−1 … 0 the generator's denoising step x_k = c1_k·G(x_{k+1}, z, k) +
// c2_k·x_{k+1} + √v_k·ε, without the noise at k = 0. Batch norm uses its
// running statistics and the generator its weight average when one is
// kept. rng makes the draw reproducible independently of training.
func (m *Model) Sample(n int, rng *rand.Rand) (*tensor.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample: n must be positive, got %d", n)
	}
	if m.EMA != nil {
		m.EMA.Swap()
		defer m.EMA.Swap()
	}
	d := m.Config.Dim
	out := tensor.New(n, d)
	for lo := 0; lo < n; lo += chunkRows {
		hi := min(n, lo+chunkRows)
		m.sampleChunk(tensor.FromSlice(hi-lo, d, out.Data[lo*d:hi*d]), rng)
	}
	return out, nil
}

func (m *Model) sampleChunk(x *tensor.Dense, rng *rand.Rand) {
	g := m.graph
	g.Reset()
	defer g.Reset()
	g.SetRecord(false)
	b, cfg := x.R, &m.Config
	diffusion.FillNormal(x, rng)
	k := make([]int, b)
	z, noise := tensor.New(b, cfg.ZDim), tensor.New(b, cfg.Dim)
	for step := cfg.T - 1; step >= 0; step-- {
		for i := range k {
			k[i] = step
		}
		if cfg.Ablation == NoLatent {
			clear(z.Data)
		} else {
			diffusion.FillNormal(z, rng)
		}
		xk1 := g.Const(x)
		x0 := m.Generator.Forward(g, xk1, g.Const(z), k, false)
		var next *autograd.Node
		if step > 0 {
			diffusion.FillNormal(noise, rng)
			next = m.Schedule.PosteriorSample(g, x0, xk1, k, noise)
		} else {
			next = m.Schedule.PosteriorMean(g, x0, xk1, k)
		}
		x.CopyFrom(next.Value)
	}
}

// EnergyAt returns E(x_i, k) for every row of x (float64, one per row).
func (m *Model) EnergyAt(x *tensor.Dense, k int) ([]float64, error) {
	if x.C != m.Config.Dim {
		return nil, fmt.Errorf("energy: points have %d columns, the model has dimension %d", x.C, m.Config.Dim)
	}
	if k < 0 || k >= m.Config.T {
		return nil, fmt.Errorf("energy: step k = %d outside 0..%d", k, m.Config.T-1)
	}
	out := make([]float64, x.R)
	g := m.graph
	d := x.C
	ks := make([]int, min(x.R, chunkRows))
	for i := range ks {
		ks[i] = k
	}
	for lo := 0; lo < x.R; lo += chunkRows {
		hi := min(x.R, lo+chunkRows)
		g.Reset()
		g.SetRecord(false)
		e := m.Energy.Forward(g, g.Const(tensor.FromSlice(hi-lo, d, x.Data[lo*d:hi*d])), ks[:hi-lo])
		for i, v := range e.Value.Data {
			out[lo+i] = float64(v)
			if math.IsNaN(out[lo+i]) {
				g.Reset()
				return nil, fmt.Errorf("energy: NaN at point %d (input %v)", lo+i, x.Row(lo+i))
			}
		}
	}
	g.Reset()
	return out, nil
}
