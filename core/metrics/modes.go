package metrics

import (
	"fmt"
	"math"
)

// Gaussians25Sigma is the standard deviation of each 25-Gaussians component
// in the scaled coordinates of the toy data (σ 0.1 divided by 2.828).
const Gaussians25Sigma = 0.1 / 2.828

// Gaussians25Centres returns the 25 component centres of the 25-Gaussians toy
// set (2·{−2..2}² divided by 2.828) as a row-major 25×2 slice, in the order
// of sample_toy (first coordinate outer).
func Gaussians25Centres() []float64 {
	centres := make([]float64, 0, 50)
	for i := -2; i <= 2; i++ {
		for j := -2; j <= 2; j++ {
			centres = append(centres, 2*float64(i)/2.828, 2*float64(j)/2.828)
		}
	}
	return centres
}

// ModeCoverage scores 2-D samples against mixture centres (both row-major
// n×2), as in docs/ALGORITHM.md §8: a sample belongs to its nearest centre if it
// lies within 3σ of it. A mode counts as covered as soon as one sample
// belongs to it; protocols that ask for a minimum count per mode report
// fewer modes on small sample sets. hqFraction is the share of samples that
// belong to some centre (NaN for no samples).
func ModeCoverage(samples []float64, centres []float64, sigma float64) (modesCovered int, hqFraction float64) {
	checkPoints("ModeCoverage samples", samples, 2)
	checkPoints("ModeCoverage centres", centres, 2)
	if len(centres) == 0 || !(sigma > 0) {
		panic(fmt.Sprintf("metrics: ModeCoverage with %d centres and σ %g", len(centres)/2, sigma))
	}
	radius2 := 9 * sigma * sigma
	covered := make([]bool, len(centres)/2)
	highQuality := 0
	for s := 0; s < len(samples); s += 2 {
		nearest, best := 0, math.Inf(1)
		for c := 0; c < len(centres); c += 2 {
			dx, dy := samples[s]-centres[c], samples[s+1]-centres[c+1]
			if d2 := dx*dx + dy*dy; d2 < best {
				nearest, best = c/2, d2
			}
		}
		if best <= radius2 {
			highQuality++
			if !covered[nearest] {
				covered[nearest] = true
				modesCovered++
			}
		}
	}
	return modesCovered, float64(highQuality) / float64(len(samples)/2)
}
