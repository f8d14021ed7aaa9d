package nn

import (
	"math"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// SinusoidalTable returns the steps×dim matrix whose row k is the
// embedding SE(k) = [sin(k·f), cos(k·f)] with f_j = exp(−j·ln(10000)/(half−1)),
// half = dim/2 (docs/ALGORITHM.md §7). Networks embed each of the T steps once
// and gather rows per example.
func SinusoidalTable(steps, dim int) *tensor.Dense {
	half := dim / 2
	out := tensor.New(steps, dim)
	for k := 0; k < steps; k++ {
		row := out.Row(k)
		for j := 0; j < half; j++ {
			f := math.Exp(-float64(j) * math.Log(10000) / float64(half-1))
			row[j] = tensor.Float(math.Sin(float64(k) * f))
			row[half+j] = tensor.Float(math.Cos(float64(k) * f))
		}
	}
	return out
}
