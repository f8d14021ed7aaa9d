package ddaebm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Source supplies batches of clean training data.
type Source interface {
	// Batch fills dst (B×Dim) with training examples.
	Batch(dst *tensor.Dense, rng *rand.Rand) error
	Dim() int
}

// ToySource draws fresh samples of a toy set every batch (§6).
type ToySource struct{ Name string }

// NewToySource checks the name and returns the source.
func NewToySource(name string) (*ToySource, error) {
	if _, err := data.Toy(name, 1, rand.New(rand.NewPCG(0, 0))); err != nil {
		return nil, err
	}
	return &ToySource{name}, nil
}

// Batch draws dst.R fresh points.
func (s *ToySource) Batch(dst *tensor.Dense, rng *rand.Rand) error {
	x, err := data.Toy(s.Name, dst.R, rng)
	if err != nil {
		return err
	}
	dst.CopyFrom(x)
	return nil
}

// Dim is 2.
func (s *ToySource) Dim() int { return 2 }

// ArraySource draws batches uniformly with replacement from a fixed data set.
type ArraySource struct{ X *tensor.Dense }

// MaxDataMagnitude bounds the absolute value of training data. It is where
// the arithmetic stays safe, not where the model does well. The networks
// compute in float32 (range ±3.4e38): the generator's loss L2 squares
// differences of data-scale values and divides them by the posterior
// variance v (floored at 1e-2 by default), and Adam keeps the squares of
// the gradients, which grow as (|x|/v)². For |x| ≤ 1e9 and v ≥ 1e-2 these
// stay below 1e22, leaving sixteen orders of magnitude for the sums over
// the dimensions and the batch; data at 1e18 overflow L2 on the first
// step. The diffusion is built for data at the scale of its N(0, I) prior,
// so data should be standardised (each column to mean 0 and spread 1)
// anyway; ordinary data sets, raw pixels in [0, 255] included, lie far
// inside the bound.
const MaxDataMagnitude = 1e9

// NewArraySource checks that the data set is non-empty, finite and within
// ±MaxDataMagnitude.
func NewArraySource(x *tensor.Dense) (*ArraySource, error) {
	if x.R < 1 || x.C < 1 {
		return nil, fmt.Errorf("data set is %d×%d, want at least one row and one column", x.R, x.C)
	}
	for i, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("data set has a non-finite value %v at row %d, column %d", v, i/x.C, i%x.C)
		}
		if math.Abs(float64(v)) > MaxDataMagnitude {
			return nil, fmt.Errorf("data set has the value %g at row %d, column %d, out of the range ±%g the networks compute with; rescale the data (standardise each column)",
				v, i/x.C, i%x.C, MaxDataMagnitude)
		}
	}
	return &ArraySource{x}, nil
}

// Batch copies dst.R random rows.
func (s *ArraySource) Batch(dst *tensor.Dense, rng *rand.Rand) error {
	for i := 0; i < dst.R; i++ {
		copy(dst.Row(i), s.X.Row(rng.IntN(s.X.R)))
	}
	return nil
}

// Dim is the number of columns.
func (s *ArraySource) Dim() int { return s.X.C }
