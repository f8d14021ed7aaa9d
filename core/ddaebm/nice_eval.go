package ddaebm

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// LLReport is the test log-likelihood of a normalised energy on images
// modelled in logit space (docs/ALGORITHM.md §7), averaged over N examples.
type LLReport struct {
	N int `json:"n"`
	// LogitNats is mean log p(y) = mean E(y, 0), y = logit(dequantised x).
	LogitNats float64 `json:"test_ll_logit_nats"`
	// PixelNats is mean log p(x) of the dequantised pixels in [0, 1]: the
	// logit-space value plus the log-Jacobian of the logit.
	PixelNats float64 `json:"test_ll_pixel_nats"`
	// BitsPerDim is −PixelNats in bits per dimension of the 8-bit data.
	BitsPerDim float64 `json:"bits_per_dim"`
}

// niceChunkRows bounds the rows scored or sampled at once: each of the
// NICE_t energy's 20 hidden layers keeps a few rows×width matrices in the
// graph's arena until the chunk is done, and the arena keeps its peak size.
const niceChunkRows = 512

// density returns the model's energy when it is a normalised density.
func (m *Model) density() (models.Density, error) {
	e, ok := m.Energy.(models.Density)
	if !ok {
		return nil, fmt.Errorf("model %q: the energy is not a normalised density", m.Config.Model)
	}
	return e, nil
}

// TestLogLikelihood scores the rows of y (logit-space data, e.g. from
// MNISTTestSet) under the normalised density exp(E(y, 0)). It stops with
// ctx's error once ctx is done.
func (m *Model) TestLogLikelihood(ctx context.Context, y *tensor.Dense) (LLReport, error) {
	if _, err := m.density(); err != nil {
		return LLReport{}, err
	}
	r := LLReport{N: y.R}
	for lo := 0; lo < y.R; lo += niceChunkRows {
		hi := min(y.R, lo+niceChunkRows)
		e, err := m.EnergyAt(ctx, tensor.FromSlice(hi-lo, y.C, y.Data[lo*y.C:hi*y.C]), 0)
		if err != nil {
			return LLReport{}, err
		}
		for i, v := range e {
			r.LogitNats += v
			r.PixelNats += v + data.LogitLogJacobian(y.Row(lo+i))
		}
	}
	r.LogitNats /= float64(y.R)
	r.PixelNats /= float64(y.R)
	r.BitsPerDim = data.BitsPerDim(r.PixelNats, y.C)
	return r, nil
}

// SampleFlow draws n exact samples of the NICE_t density at k = 0, the
// flow's inverse applied to N(0, I) draws (paper Fig. 3, "exact samples"),
// in the space the model works in (logit space for MNIST), with the
// energy weights ScoringWeights names. It stops with
// ctx's error once ctx is done.
func (m *Model) SampleFlow(ctx context.Context, n int, rng *rand.Rand) (_ *tensor.Dense, err error) {
	defer m.graph.StopOn(ctx, &err)()
	e, err := m.density()
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("sample: n must be positive, got %d", n)
	}
	d := m.Config.Dim
	energy, _, _ := networkSizes(&m.Config)
	if err := checkOutput(fmt.Sprintf("sampling %d points of dimension %d", n, d), n, d, floatBytes, m.Config.forwardBytes(energy, min(n, niceChunkRows))); err != nil {
		return nil, err
	}
	defer m.withScoringWeights()()
	out := tensor.New(n, d)
	g := m.graph
	defer g.Reset()
	k := make([]int, min(n, niceChunkRows))
	for lo := 0; lo < n; lo += niceChunkRows {
		if err := m.interrupted(ctx); err != nil {
			return nil, err
		}
		hi := min(n, lo+niceChunkRows)
		g.Reset()
		g.SetRecord(false)
		y := e.Inverse(g, g.Normal(hi-lo, d, rng.Uint64()), k[:hi-lo])
		copy(out.Data[lo*d:hi*d], g.HostValue(y).Data)
	}
	if err := m.backendErr(); err != nil {
		return nil, err
	}
	return out, nil
}
