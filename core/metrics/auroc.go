package metrics

import (
	"cmp"
	"math"
	"slices"
)

// AUROC is the area under the ROC curve for telling in-distribution scores
// (the positive class, higher = more in-distribution) from out-of-distribution
// ones: the probability that a random in-score exceeds a random out-score,
// ties counting ½. It is the Mann–Whitney U statistic over n_in·n_out,
// computed from mid-ranks after one sort. NaN if either set is empty or any
// score is NaN.
func AUROC(in, out []float64) float64 {
	if len(in) == 0 || len(out) == 0 {
		return math.NaN()
	}
	type scored struct {
		score    float64
		positive bool
	}
	all := make([]scored, 0, len(in)+len(out))
	for _, s := range in {
		all = append(all, scored{s, true})
	}
	for _, s := range out {
		all = append(all, scored{s, false})
	}
	for _, s := range all {
		if math.IsNaN(s.score) {
			return math.NaN()
		}
	}
	slices.SortFunc(all, func(a, b scored) int { return cmp.Compare(a.score, b.score) })
	// Sum of the (1-based) ranks of the positives, each tie group sharing the
	// mean of its ranks.
	rankSum := 0.0
	for start := 0; start < len(all); {
		end := start
		positives := 0
		for end < len(all) && all[end].score == all[start].score {
			if all[end].positive {
				positives++
			}
			end++
		}
		midRank := float64(start+1+end) / 2
		rankSum += float64(positives) * midRank
		start = end
	}
	nIn, nOut := float64(len(in)), float64(len(out))
	return (rankSum - nIn*(nIn+1)/2) / (nIn * nOut)
}
