package metrics

import (
	"fmt"
	"math"
)

// LabelCoverage summarises the class labels a classifier gave to generated
// samples, as the StackedMNIST mode count does (docs/ALGORITHM.md §8,
// 1000 classes): covered is the number of classes that occur at least
// once, and klUniform is KL(q ‖ uniform) = Σ_c q_c·log(q_c·classes) in
// nats, q being the labels' empirical distribution (0·log 0 = 0). A
// generator that hits every class equally often scores classes and 0; one
// that produces a single class scores 1 and log(classes). For no labels
// klUniform is NaN. A label outside 0..classes−1 panics: labels come from
// a classifier with that many outputs.
func LabelCoverage(labels []int, classes int) (covered int, klUniform float64) {
	if classes < 1 {
		panic(fmt.Sprintf("metrics: LabelCoverage over %d classes", classes))
	}
	counts := make([]int, classes)
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("metrics: LabelCoverage: label %d of sample %d outside 0..%d", l, i, classes-1))
		}
		counts[l]++
	}
	if len(labels) == 0 {
		return 0, math.NaN()
	}
	n := float64(len(labels))
	for _, c := range counts {
		if c > 0 {
			covered++
			q := float64(c) / n
			klUniform += q * math.Log(q*float64(classes))
		}
	}
	return covered, klUniform
}

// UniformKLFloor is what LabelCoverage's klUniform comes to, on average,
// for n labels drawn from an exactly uniform distribution over classes:
// (classes − 1)/(2n), the χ² approximation of the empirical KL. It bounds
// what n samples can show.
func UniformKLFloor(classes, n int) float64 {
	return float64(classes-1) / (2 * float64(n))
}
