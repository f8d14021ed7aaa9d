package main

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// oodAUROC scores the in-distribution set and every other set and returns
// the AUROC of in-distribution (the positive class, docs/ALGORITHM.md §8)
// against each, with every set's scores; higher scores must mean more
// in-distribution, as E(x, 0) does.
func oodAUROC(in data.NamedSet, sets []data.NamedSet, score func(*tensor.Dense) ([]float64, error)) (auroc map[string]float64, scores map[string][]float64, err error) {
	auroc, scores = map[string]float64{}, map[string][]float64{}
	for _, s := range append([]data.NamedSet{in}, sets...) {
		if _, dup := scores[s.Name]; dup {
			return nil, nil, fmt.Errorf("two sets are called %q", s.Name)
		}
		if scores[s.Name], err = score(s.X); err != nil {
			return nil, nil, fmt.Errorf("scoring %s: %w", s.Name, err)
		}
	}
	for _, s := range sets {
		auroc[s.Name] = metrics.AUROC(scores[in.Name], scores[s.Name])
	}
	return auroc, scores, nil
}
