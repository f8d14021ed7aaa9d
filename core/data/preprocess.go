package data

import (
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Pixel-space conventions for density estimation on 8-bit images.
const (
	// PixelLevels is the number of intensity levels of 8-bit data. Each
	// level owns an interval of width 1/PixelLevels of [0, 1], the width
	// of the dequantisation noise.
	PixelLevels = 256
	// LogitEps keeps dequantised values inside (0, 1), where the logit is
	// finite: they are clamped to [LogitEps, 1 − LogitEps].
	LogitEps = 1e-3
)

// Dequantize returns a new matrix with every pixel value x in [0, 1]
// replaced by clamp(x + (u − ½)/256, LogitEps, 1 − LogitEps), u uniform on
// [0, 1) and drawn from rng one element at a time in row-major order, so a
// seed fixes the result. The noise turns the 256 discrete levels into a
// continuous density (a model cannot put infinite density on points); the
// clamp keeps Logit finite.
func Dequantize(x *tensor.Dense, rng *rand.Rand) *tensor.Dense {
	out := tensor.New(x.R, x.C)
	for i, v := range x.Data {
		d := float64(v) + (rng.Float64()-0.5)/PixelLevels
		out.Data[i] = tensor.Float(min(max(d, LogitEps), 1-LogitEps))
	}
	return out
}

// Logit returns a new matrix of log(x/(1 − x)), the map from pixel values
// in (0, 1) to the unbounded space the MNIST model works in.
func Logit(x *tensor.Dense) *tensor.Dense {
	out := tensor.New(x.R, x.C)
	for i, v := range x.Data {
		p := float64(v)
		out.Data[i] = tensor.Float(math.Log(p) - math.Log1p(-p))
	}
	return out
}

// Sigmoid returns a new matrix of 1/(1 + exp(−y)), the inverse of Logit:
// it maps model samples back to pixel values.
func Sigmoid(y *tensor.Dense) *tensor.Dense {
	out := tensor.New(y.R, y.C)
	for i, v := range y.Data {
		out.Data[i] = tensor.Float(sigmoid(float64(v)))
	}
	return out
}

func sigmoid(y float64) float64 {
	if y >= 0 {
		return 1 / (1 + math.Exp(-y))
	}
	e := math.Exp(y)
	return e / (1 + e)
}

// LogitLogJacobian returns Σ_i log|dy_i/dx_i| for the point y = logit(x) of
// one example, the term that turns a log-density in logit space into one in
// pixel space:
//
//	log p_x(x) = log p_y(y) + Σ_i log|dy_i/dx_i|,  dy/dx = 1/(x(1 − x)).
//
// It is computed from y, where the model's density is evaluated, as
// −log(x(1 − x)) = softplus(y) + softplus(−y) = |y| + 2·log(1 + e^−|y|),
// which stays accurate where x is close to 0 or 1. The clamp in Dequantize
// is not part of the change of variables: it moves only the mass within
// LogitEps of 0 and 1, and is ignored here as in the paper's protocol.
func LogitLogJacobian(y []tensor.Float) float64 {
	var s float64
	for _, v := range y {
		a := math.Abs(float64(v))
		s += a + 2*math.Log1p(math.Exp(-a))
	}
	return s
}

// BitsPerDim converts the pixel-space log-density logPx (nats) of one
// D-dimensional example to bits per dimension of the 8-bit data:
//
//	bits/dim = −(log p_x(x) − D·log 256) / (D·ln 2) = −log p_x(x)/(D·ln 2) + 8.
//
// The convention: pixel values are scaled to [0, 1] and each of the 256
// levels owns an interval of width 1/256, so the probability of a level is
// about p_x·(1/256) per dimension; its negative log2, per dimension, is the
// number above. A uniform density on [0, 1]^D (log p_x = 0) scores exactly 8.
// For the MNIST model, logPx = log p_y(y) + LogitLogJacobian(y).
func BitsPerDim(logPx float64, d int) float64 {
	return (-logPx/float64(d) + math.Log(PixelLevels)) / math.Ln2
}

// Space is the coordinates a model works in. Evaluations that start from
// pixel values in [0, 1] (OOD sets, classifiers) map through it.
type Space string

const (
	// PixelSpace is pixel values in [0, 1], unchanged.
	PixelSpace Space = "pixel"
	// LogitSpace is logit(dequantised pixels), the MNIST protocol of
	// docs/ALGORITHM.md §7.
	LogitSpace Space = "logit"
	// SignedSpace is 2x − 1: pixel values in [−1, 1], the image models'
	// space (docs/IMAGES.md §1).
	SignedSpace Space = "signed"
)

// Spaces lists the accepted Space values.
var Spaces = []Space{PixelSpace, LogitSpace, SignedSpace}

// FromPixels maps pixel values in [0, 1] into the space, drawing any
// dequantisation noise from rng. PixelSpace returns x itself.
func (s Space) FromPixels(x *tensor.Dense, rng *rand.Rand) *tensor.Dense {
	switch s {
	case LogitSpace:
		return Logit(Dequantize(x, rng))
	case SignedSpace:
		out := tensor.New(x.R, x.C)
		for i, v := range x.Data {
			out.Data[i] = 2*v - 1
		}
		return out
	}
	return x
}

// ToPixels maps points of the space to pixel values in [0, 1]: the
// sigmoid of logits, (x + 1)/2 of signed values, clamped to the range a
// classifier was trained on.
func (s Space) ToPixels(x *tensor.Dense) *tensor.Dense {
	if s == LogitSpace {
		return Sigmoid(x)
	}
	out := tensor.New(x.R, x.C)
	for i, v := range x.Data {
		if s == SignedSpace {
			v = (v + 1) / 2
		}
		out.Data[i] = min(max(v, 0), 1)
	}
	return out
}
