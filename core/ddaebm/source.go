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

// NewArraySource checks that the data set is non-empty and finite.
func NewArraySource(x *tensor.Dense) (*ArraySource, error) {
	if x.R < 1 || x.C < 1 {
		return nil, fmt.Errorf("data set is %d×%d, want at least one row and one column", x.R, x.C)
	}
	for i, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("data set has a non-finite value %v at row %d, column %d", v, i/x.C, i%x.C)
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
