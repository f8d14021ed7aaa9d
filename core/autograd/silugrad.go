package autograd

import (
	"math"
	"sync"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// The SiLU derivatives, silu' = σ·(1 + x·σ(−x)) and
// silu'' = σ·σ(−x)·(2 + x·(σ(−x) − σ)), with σ = σ(x) and σ(−x) = 1 − σ.
// Each is a product of sigmoids, accurate to a few float32 units in the
// last place from the vectorised kernel (σ(−x) is computed, not taken as
// 1 − σ, so neither loses accuracy where the other is near 1), and a
// factor formed in float64 that cancels near the functions' zeros (silu'
// at x ≈ −1.28, silu'' at x ≈ ±2.40). Away from them the results are
// within 1e-6 of the float64 values (TestSiLUGradsAreAccurate); where the
// factor is smaller than cancelBelow the element is computed in float64
// from math.Exp instead, as the GPU computes every element. math.Exp for
// every element took an eighth of an image model's iteration.

// siluChunk is the elements whose sigmoids are computed together.
const siluChunk = 512

// Below these factors an element is computed in float64.
const (
	cancelBelowGrad  = 0.125
	cancelBelowGrad2 = 0.25
)

// siluScratch holds two chunks of sigmoids; pooled, so a step allocates
// none.
var siluScratch = sync.Pool{New: func() any { return new([2][siluChunk]tensor.Float) }}

// siluGrads sets o to the first (OpSiLUGrad) or second (OpSiLUGrad2) derivative of
// SiLU at xs; o may be xs.
func siluGrads(op UnaryOp, o, xs []tensor.Float) {
	if tensor.Is64 {
		for i, v := range xs {
			o[i] = tensor.Float(siluGradExact(op, float64(v)))
		}
		return
	}
	buf := siluScratch.Get().(*[2][siluChunk]tensor.Float)
	defer siluScratch.Put(buf)
	for lo := 0; lo < len(xs); lo += siluChunk {
		x := xs[lo:min(len(xs), lo+siluChunk)]
		out := o[lo : lo+len(x)]
		pos, neg := buf[0][:len(x)], buf[1][:len(x)]
		tensor.Sigmoid(pos, x)
		for i, v := range x {
			neg[i] = -v
		}
		tensor.Sigmoid(neg, neg)
		for i, v := range x {
			xf, sp, sn := float64(v), float64(pos[i]), float64(neg[i])
			if op == OpSiLUGrad {
				f := 1 + xf*sn
				if !(math.Abs(f) >= cancelBelowGrad) { // also NaN
					out[i] = tensor.Float(siluGradExact(op, xf))
					continue
				}
				out[i] = tensor.Float(sp * f)
				continue
			}
			f := 2 + xf*(sn-sp)
			if !(math.Abs(f) >= cancelBelowGrad2) {
				out[i] = tensor.Float(siluGradExact(op, xf))
				continue
			}
			out[i] = tensor.Float(sp * sn * f)
		}
	}
}

// siluGradExact is SiLU's first or second derivative at x, in float64 from math.Exp.
func siluGradExact(op UnaryOp, x float64) float64 {
	s := sigmoid(x)
	if op == OpSiLUGrad {
		return s * (1 + x*(1-s))
	}
	return s * (1 - s) * (2 + x*(1-2*s))
}
