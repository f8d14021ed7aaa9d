package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// namedSet is a set of points with the name it has in tables and plots.
type namedSet struct {
	name string
	x    *tensor.Dense
}

// noiseLevels are the σ of the "MNIST + Gaussian noise" sets.
var noiseLevels = []float64{0.01, 0.1, 0.5}

// pixelOODSets derives the out-of-distribution sets of the OOD evaluation
// from in-distribution test images in (N×D pixel values in [0, 1]), all
// in pixel space and clamped to [0, 1], N images each, drawn from rng so
// that a seed fixes them:
//
//	uniform      every pixel U[0, 1]
//	gaussian     every pixel N(½, ½²)
//	constant     one value U[0, 1] for the whole image
//	inverted     1 − x
//	noise_σ      x + N(0, σ²) per pixel, for σ in noiseLevels
func pixelOODSets(in *tensor.Dense, rng *rand.Rand) []namedSet {
	n, d := in.R, in.C
	clamp := func(v float64) tensor.Float { return tensor.Float(min(max(v, 0), 1)) }
	each := func(f func(i, j int) tensor.Float) *tensor.Dense {
		x := tensor.New(n, d)
		for i := range n {
			for j := range d {
				x.Data[i*d+j] = f(i, j)
			}
		}
		return x
	}
	sets := []namedSet{
		{"uniform", each(func(int, int) tensor.Float { return tensor.Float(rng.Float64()) })},
		{"gaussian", each(func(int, int) tensor.Float { return clamp(0.5 + 0.5*rng.NormFloat64()) })},
	}
	levels := make([]tensor.Float, n)
	for i := range levels {
		levels[i] = tensor.Float(rng.Float64())
	}
	sets = append(sets,
		namedSet{"constant", each(func(i, _ int) tensor.Float { return levels[i] })},
		namedSet{"inverted", each(func(i, j int) tensor.Float { return 1 - in.Data[i*d+j] })})
	for _, s := range noiseLevels {
		sets = append(sets, namedSet{fmt.Sprintf("noise_%g", s), each(func(i, j int) tensor.Float {
			return clamp(float64(in.Data[i*d+j]) + s*rng.NormFloat64())
		})})
	}
	return sets
}

// oodAUROC scores the in-distribution set and every other set and returns
// the AUROC of in-distribution (the positive class, docs/ALGORITHM.md §8)
// against each, with every set's scores; higher scores must mean more
// in-distribution, as E(x, 0) does.
func oodAUROC(in namedSet, sets []namedSet, score func(*tensor.Dense) ([]float64, error)) (auroc map[string]float64, scores map[string][]float64, err error) {
	auroc, scores = map[string]float64{}, map[string][]float64{}
	for _, s := range append([]namedSet{in}, sets...) {
		if _, dup := scores[s.name]; dup {
			return nil, nil, fmt.Errorf("two sets are called %q", s.name)
		}
		if scores[s.name], err = score(s.x); err != nil {
			return nil, nil, fmt.Errorf("scoring %s: %w", s.name, err)
		}
	}
	for _, s := range sets {
		auroc[s.name] = metrics.AUROC(scores[in.name], scores[s.name])
	}
	return auroc, scores, nil
}
