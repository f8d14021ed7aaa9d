package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// dataSetOutputs writes the outputs of a model trained on a data file
// (rows of x) into out and adds its metrics to summary. A data file has
// no known density and no fresh points, so the model is compared with n
// of the training rows: mmd_train, the RBF-MMD² of n samples to them (any
// dimension), and for 2-D data grid_nll_train, their NLL under the
// density normalised on a grid over [−grid_lim, grid_lim]², a square
// that holds every data point; then also density.png and samples.png.
func dataSetOutputs(m *ddaebm.Model, x *tensor.Dense, rng *rand.Rand, out string, n int, summary map[string]any) error {
	ctx := context.Background()
	samples, err := m.Sample(ctx, n, rng)
	if err != nil {
		return err
	}
	if err := cli.WriteMatrix(filepath.Join(out, "samples.npy"), samples); err != nil {
		return err
	}
	ref := sampleRows(x, n, rng)
	s, r := samples.Float64s(), ref.Float64s()
	summary["mmd_train"] = nil // undefined when most training rows coincide
	if bw := metrics.MedianBandwidth(r, r, x.C); bw > 0 {
		if summary["mmd_train"], err = metrics.MMD(ctx, s, r, x.C, bw); err != nil {
			return err
		}
	}
	if x.C != 2 {
		return nil
	}
	lim := coveringLimit(x)
	grid, err := m.DensityGrid(ctx, lim, ddaebm.DefaultToyEval("").GridN)
	if err != nil {
		return err
	}
	nll, err := metrics.GridNLL(grid, m.EnergyFunc(ctx), r)
	if err != nil {
		return err
	}
	summary["grid_nll_train"], summary["grid_lim"] = nll, lim
	if err := cli.DensityPNG(filepath.Join(out, "density.png"), grid,
		fmt.Sprintf("exp(E(x,0)) after %d iterations", m.Step)); err != nil {
		return err
	}
	return cli.SamplesPNG(filepath.Join(out, "samples.png"), lim,
		fmt.Sprintf("%d samples (NFE = T) over %d training points after %d iterations", samples.R, ref.R, m.Step), samples, ref)
}

// sampleRows returns min(n, x.R) distinct rows of x drawn at random.
func sampleRows(x *tensor.Dense, n int, rng *rand.Rand) *tensor.Dense {
	if n >= x.R {
		return x
	}
	picked := tensor.New(n, x.C)
	for i, row := range rng.Perm(x.R)[:n] {
		copy(picked.Row(i), x.Row(row))
	}
	return picked
}

// coveringLimit is the half-width of a square around the origin that holds
// every row of the 2-D data x with a 10% margin (1 for data all at 0).
func coveringLimit(x *tensor.Dense) float64 {
	largest := 0.0
	for _, v := range x.Data {
		largest = max(largest, math.Abs(float64(v)))
	}
	if largest == 0 {
		return 1
	}
	return 1.1 * largest
}
