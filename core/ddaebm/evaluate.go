package ddaebm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// ToyEval sets the §8 evaluation protocol for 2-D toys.
type ToyEval struct {
	Data    string  // toy name
	GridN   int     // grid cells per side (300)
	Lim     float64 // least grid half-width (widened to hold the test points, see GridNLL); 0 means data.ToyLimit(Data)
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
	GridNLL float64 `json:"grid_nll"`
	// GridLim is the half-width of the grid that normalised the density
	// (GridNLL's, which holds every test point).
	GridLim      float64  `json:"grid_lim"`
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
// high-quality fraction. It stops with ctx's error once ctx is done.
func (m *Model) EvaluateToy(ctx context.Context, opt ToyEval) (*ToyReport, error) {
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
	if err := checkOutput(fmt.Sprintf("toy evaluation on %d test points", opt.TestN), opt.TestN, 2, floatBytes+16, 0); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 1))
	test, err := data.Toy(opt.Data, opt.TestN, rng)
	if err != nil {
		return nil, err
	}
	samples, err := m.Sample(ctx, opt.SampleN, rng)
	if err != nil {
		return nil, err
	}
	r := &ToyReport{Samples: samples, Test: test}
	if r.GridNLL, r.Grid, err = m.GridNLL(ctx, test, lim, opt.GridN); err != nil {
		return nil, err
	}
	r.GridLim = r.Grid.Lim
	if logTrue, ok := data.ToyLogDensity(opt.Data); ok {
		kl := metrics.KLGrid(r.Grid, logTrue)
		r.KLGrid = &kl
	}
	t, s := test.Float64s(), samples.Float64s()
	bandwidth := metrics.MedianBandwidth(t, t, 2)
	if bandwidth == 0 {
		return nil, fmt.Errorf("toy evaluation: most of the %d test points coincide, so the median heuristic gives the MMD no bandwidth", opt.TestN)
	}
	if r.MMD, err = metrics.MMD(ctx, s, t, 2, bandwidth); err != nil {
		return nil, err
	}
	if opt.Data == "25gaussians" {
		modes, hq := metrics.ModeCoverage(s, metrics.Gaussians25Centres(), metrics.Gaussians25Sigma)
		r.ModesCovered, r.HQFraction = &modes, &hq
	}
	return r, nil
}

// EnergyFunc adapts E(x, 0) of a 2-D model to the metrics' callback,
// which returns ctx's error once ctx is done and the device's once it
// has failed.
func (m *Model) EnergyFunc(ctx context.Context) metrics.EnergyFunc {
	return func(points []float64) ([]float64, error) {
		x := tensor.New(len(points)/2, 2)
		for i, v := range points {
			x.Data[i] = tensor.Float(v)
		}
		return m.EnergyAt(ctx, x, 0)
	}
}

// GridNLL is the mean negative log-likelihood of the 2-D points test under
// exp(E(x, 0)) normalised on an n×n grid (metrics.GridNLL). The grid
// covers [−lim, lim]², widened in steps of ½ until it holds every test
// point: a point outside the grid would be scored by a density whose
// normaliser misses the mass around it. It returns the grid used.
func (m *Model) GridNLL(ctx context.Context, test *tensor.Dense, lim float64, n int) (float64, metrics.Grid, error) {
	if test.C != 2 || test.R < 1 {
		return 0, metrics.Grid{}, fmt.Errorf("grid NLL: want at least one 2-D test point, got %d×%d", test.R, test.C)
	}
	g, err := m.DensityGrid(ctx, HoldingLimit(lim, test.Float64s()), n)
	if err != nil {
		return 0, metrics.Grid{}, err
	}
	nll, err := metrics.GridNLL(g, m.EnergyFunc(ctx), test.Float64s())
	return nll, g, err
}

// HoldingLimit is the least half-width lim + j/2 (j = 0, 1, …) whose
// square [−L, L]² holds every point (row-major, any dimension).
func HoldingLimit(lim float64, points []float64) float64 {
	extent := 0.0
	for _, v := range points {
		extent = max(extent, math.Abs(v))
	}
	if extent <= lim {
		return lim
	}
	return lim + math.Ceil(2*(extent-lim))/2
}

// DensityGrid normalises exp(E(x, 0)) of a 2-D model on the cells of an
// n×n grid over [−lim, lim]² (metrics.NewGrid).
func (m *Model) DensityGrid(ctx context.Context, lim float64, n int) (metrics.Grid, error) {
	if m.Config.Dim != 2 {
		return metrics.Grid{}, fmt.Errorf("density grids need a 2-D model; this one has dimension %d", m.Config.Dim)
	}
	if !(lim > 0) || math.IsInf(lim, 0) || n < 1 {
		return metrics.Grid{}, fmt.Errorf("density grid: want a finite half-width > 0 and n ≥ 1 cells a side, got %v and %d", lim, n)
	}
	// log p̂ for n² cells as float64, and a float64 copy on the way out.
	if err := checkOutput(fmt.Sprintf("a %d×%d density grid", n, n), n, n, 16, 0); err != nil {
		return metrics.Grid{}, err
	}
	return metrics.NewGrid(m.EnergyFunc(ctx), lim, n)
}
