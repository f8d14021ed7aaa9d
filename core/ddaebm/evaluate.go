package ddaebm

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// ToyEval sets the §8 evaluation protocol for 2-D toys.
type ToyEval struct {
	Data    string  // toy name
	GridN   int     // grid cells per side (300)
	Lim     float64 // grid half-width; 0 means data.ToyLimit(Data)
	TestN   int     // fresh test points (5000)
	SampleN int     // model samples (5000)
	Seed    uint64  // seeds the test points and the samples
}

// MinToyTestN is the fewest test points a toy evaluation takes. The MMD's
// kernel bandwidth is the median distance between test points (the median
// heuristic): a single point has no distance to another and so gives the
// kernel no scale, while two points of a toy set, drawn from a continuous
// distribution, are distinct and their distance is the median.
const MinToyTestN = 2

// DefaultToyEval is the §8 protocol for the named toy set.
func DefaultToyEval(name string) ToyEval {
	return ToyEval{Data: name, GridN: 300, TestN: 5000, SampleN: 5000, Seed: 12345}
}

// ToyReport holds the toy metrics; fields that a data set does not define
// (KL needs a closed-form density, modes need 25gaussians) are nil.
type ToyReport struct {
	GridNLL      float64  `json:"grid_nll"`
	KLGrid       *float64 `json:"kl_grid"`
	MMD          float64  `json:"mmd"`
	ModesCovered *int     `json:"modes_covered"`
	HQFraction   *float64 `json:"hq_fraction"`

	Grid    metrics.Grid  `json:"-"`
	Samples *tensor.Dense `json:"-"`
	Test    *tensor.Dense `json:"-"`
}

// EvaluateToy measures the model on fresh data from a toy set: grid test
// NLL of exp(E(x, 0)), KL(p_data ‖ p̂) where the density is known, RBF-MMD
// of samples to data, and for 25gaussians modes covered and the
// high-quality fraction.
func (m *Model) EvaluateToy(opt ToyEval) (*ToyReport, error) {
	if m.Config.Dim != 2 {
		return nil, fmt.Errorf("toy evaluation needs 2-D data, the model has dimension %d", m.Config.Dim)
	}
	if opt.GridN < 1 || opt.TestN < MinToyTestN || opt.SampleN < 1 {
		return nil, fmt.Errorf("toy evaluation needs a grid of at least 1 cell a side, at least %d test points (the MMD's bandwidth is their median distance) and at least 1 sample, got grid %d, test %d, samples %d",
			MinToyTestN, opt.GridN, opt.TestN, opt.SampleN)
	}
	lim := opt.Lim
	if lim == 0 {
		lim = data.ToyLimit(opt.Data)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 1))
	test, err := data.Toy(opt.Data, opt.TestN, rng)
	if err != nil {
		return nil, err
	}
	samples, err := m.Sample(opt.SampleN, rng)
	if err != nil {
		return nil, err
	}
	var energyErr error
	energy := m.EnergyFunc(&energyErr)
	r := &ToyReport{Samples: samples, Test: test}
	r.Grid = metrics.NewGrid(energy, lim, opt.GridN)
	r.GridNLL = metrics.GridNLL(r.Grid, energy, test.Float64s())
	if energyErr != nil {
		return nil, energyErr
	}
	if logTrue, ok := data.ToyLogDensity(opt.Data); ok {
		kl := metrics.KLGrid(r.Grid, logTrue)
		r.KLGrid = &kl
	}
	t, s := test.Float64s(), samples.Float64s()
	bandwidth := metrics.MedianBandwidth(t, t, 2)
	if bandwidth == 0 {
		return nil, fmt.Errorf("toy evaluation: most of the %d test points coincide, so the median heuristic gives the MMD no bandwidth", opt.TestN)
	}
	r.MMD = metrics.MMD(s, t, 2, bandwidth)
	if opt.Data == "25gaussians" {
		modes, hq := metrics.ModeCoverage(s, metrics.Gaussians25Centres(), metrics.Gaussians25Sigma)
		r.ModesCovered, r.HQFraction = &modes, &hq
	}
	return r, nil
}

// EnergyFunc adapts E(x, 0) of a 2-D model to the metrics' callback; the
// first error (a NaN energy, say) is kept in *errp, which the caller must
// check after the metric returns.
func (m *Model) EnergyFunc(errp *error) metrics.EnergyFunc {
	return func(points []float64) []float64 {
		x := tensor.New(len(points)/2, 2)
		for i, v := range points {
			x.Data[i] = tensor.Float(v)
		}
		e, err := m.EnergyAt(x, 0)
		if err != nil {
			if *errp == nil {
				*errp = err
			}
			return make([]float64, x.R)
		}
		return e
	}
}
