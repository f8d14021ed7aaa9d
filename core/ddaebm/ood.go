package ddaebm

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// OODScores are one set's scores E(x, 0) in the OOD evaluation.
type OODScores struct {
	Name   string
	Scores []float64
}

// The generator's sets among the OOD sets: one-step fakes of the
// in-distribution images (the paper's Fig. 4, Model.OneStepFakes) and
// samples of the full chain (NFE = T).
const (
	OneStepSet   = "generator_1step"
	GeneratorSet = "generator"
)

// ScoreOOD runs the OOD protocol of docs/ALGORITHM.md §8 and returns the
// scores E(x, 0) of, in this order: the in-distribution images in (pixel
// values in [0, 1], named inName), the sets data.OODSets derives from
// them, the extras (pixel values too), OneStepSet, the one-step fakes of
// the in-distribution images, and GeneratorSet, as many model samples as
// in has rows (both with batch-norm statistics bn). The pixel sets are
// mapped into space first (Model.Traits().Space is the model's own; a
// caller may override it). Everything random comes from rng, in a
// fixed order, so a seed fixes the whole table. It stops with ctx's
// error once ctx is done.
func (m *Model) ScoreOOD(ctx context.Context, inName string, in *tensor.Dense, extras []data.NamedSet, space data.Space, bn BNStats, rng *rand.Rand) ([]OODScores, error) {
	pixelSets := append(data.OODSets(in, rng), extras...)
	sets := []data.NamedSet{{Name: inName, X: in}}
	seen := map[string]bool{inName: true, OneStepSet: true, GeneratorSet: true}
	for _, s := range pixelSets {
		if seen[s.Name] {
			return nil, fmt.Errorf("two OOD sets are called %q", s.Name)
		}
		seen[s.Name] = true
		sets = append(sets, s)
	}
	for i := range sets {
		if sets[i].X.C != m.Config.Dim {
			return nil, fmt.Errorf("set %s has %d values per image; the model has dimension %d", sets[i].Name, sets[i].X.C, m.Config.Dim)
		}
		sets[i].X = space.FromPixels(sets[i].X, rng)
	}
	// The generator's sets are already in model space.
	oneStep, err := m.OneStepFakes(ctx, sets[0].X, rng, bn)
	if err != nil {
		return nil, err
	}
	samples, err := m.SampleWith(ctx, in.R, rng, bn)
	if err != nil {
		return nil, err
	}
	sets = append(sets, data.NamedSet{Name: OneStepSet, X: oneStep}, data.NamedSet{Name: GeneratorSet, X: samples})
	out := make([]OODScores, len(sets))
	for i, s := range sets {
		e, err := m.EnergyAt(ctx, s.X, 0)
		if err != nil {
			return nil, fmt.Errorf("scoring %s: %w", s.Name, err)
		}
		out[i] = OODScores{s.Name, e}
	}
	return out, nil
}
