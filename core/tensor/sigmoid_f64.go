//go:build f64

package tensor

import "math"

// In float64, sigmoid is computed from math.Exp in whichever of its two
// forms cannot overflow.

func sigmoid(dst, src []float64) {
	for i, x := range src {
		dst[i] = sigmoid64(x)
	}
}

func silu(dst, src []float64) {
	for i, x := range src {
		dst[i] = x * sigmoid64(x)
	}
}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
