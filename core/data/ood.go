package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// NamedSet is a set of points with the name it has in tables and plots.
type NamedSet struct {
	Name string
	X    *tensor.Dense
}

// OODNoiseLevels are the σ of the "MNIST + Gaussian noise" sets.
var OODNoiseLevels = []float64{0.01, 0.1, 0.5}

// OODSets derives the out-of-distribution sets of the OOD evaluation
// from in-distribution test images in (N×D pixel values in [0, 1]), all
// in pixel space and clamped to [0, 1], N images each, drawn from rng so
// that a seed fixes them:
//
//	uniform      every pixel U[0, 1]
//	gaussian     every pixel N(½, ½²)
//	constant     one value U[0, 1] for the whole image
//	inverted     1 − x
//	noise_σ      x + N(0, σ²) per pixel, for σ in OODNoiseLevels
func OODSets(in *tensor.Dense, rng *rand.Rand) []NamedSet {
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
	sets := []NamedSet{
		{"uniform", each(func(int, int) tensor.Float { return tensor.Float(rng.Float64()) })},
		{"gaussian", each(func(int, int) tensor.Float { return clamp(0.5 + 0.5*rng.NormFloat64()) })},
	}
	levels := make([]tensor.Float, n)
	for i := range levels {
		levels[i] = tensor.Float(rng.Float64())
	}
	sets = append(sets,
		NamedSet{"constant", each(func(i, _ int) tensor.Float { return levels[i] })},
		NamedSet{"inverted", each(func(i, j int) tensor.Float { return 1 - in.Data[i*d+j] })})
	for _, s := range OODNoiseLevels {
		sets = append(sets, NamedSet{fmt.Sprintf("noise_%g", s), each(func(i, j int) tensor.Float {
			return clamp(float64(in.Data[i*d+j]) + s*rng.NormFloat64())
		})})
	}
	return sets
}
