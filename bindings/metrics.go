package bindings

import (
	"github.com/ddaebm/ddaebm/core/metrics"
)

// The metrics take float64 arrays straight from Python's memory: core's
// metrics work on flat float64 slices, so nothing is copied. They treat
// malformed arguments (a bandwidth ≤ 0, a length that is not a whole
// number of points) as programming errors and panic; the Python package
// checks its arguments first, so such a panic here means a bug and
// surfaces as GoPanic.

// AUROC of in-distribution scores (the positive class) against
// out-of-distribution ones, both float64 vectors.
func AUROC(inAddr uintptr, inBytes int, outAddr uintptr, outBytes int) (auc float64, err error) {
	defer guard(&err)
	in, err := view[float64]("scores_in", inAddr, inBytes, -1)
	if err != nil {
		return 0, err
	}
	out, err := view[float64]("scores_out", outAddr, outBytes, -1)
	if err != nil {
		return 0, err
	}
	return metrics.AUROC(in, out), nil
}

// MMD is the biased RBF-MMD² between the point sets x and y (float64,
// row-major, dim columns) with the given bandwidth. c stops it (see
// Cancellation): the cost is quadratic in the number of points.
func MMD(c *Cancellation, xAddr uintptr, xBytes int, yAddr uintptr, yBytes int, dim int, bandwidth float64) (mmd float64, err error) {
	defer guard(&err)
	x, y, err := pointPair(xAddr, xBytes, yAddr, yBytes)
	if err != nil {
		return 0, err
	}
	return metrics.MMD(c.context(), x, y, dim, bandwidth)
}

// MedianBandwidth is the median pairwise distance in x ∪ y (the median
// heuristic for MMD's bandwidth).
func MedianBandwidth(xAddr uintptr, xBytes int, yAddr uintptr, yBytes int, dim int) (h float64, err error) {
	defer guard(&err)
	x, y, err := pointPair(xAddr, xBytes, yAddr, yBytes)
	if err != nil {
		return 0, err
	}
	return metrics.MedianBandwidth(x, y, dim), nil
}

func pointPair(xAddr uintptr, xBytes int, yAddr uintptr, yBytes int) (x, y []float64, err error) {
	if x, err = view[float64]("x", xAddr, xBytes, -1); err != nil {
		return nil, nil, err
	}
	y, err = view[float64]("y", yAddr, yBytes, -1)
	return x, y, err
}

// ModeCoverage scores 2-D samples against mixture centres (float64 n×2
// each) and returns {"modes_covered": m, "hq_fraction": f} as JSON.
func ModeCoverage(samplesAddr uintptr, samplesBytes int, centresAddr uintptr, centresBytes int, sigma float64) (result string, err error) {
	defer guard(&err)
	s, c, err := pointPair(samplesAddr, samplesBytes, centresAddr, centresBytes)
	if err != nil {
		return "", err
	}
	modes, hq := metrics.ModeCoverage(s, c, sigma)
	return pyJSON(map[string]any{"modes_covered": modes, "hq_fraction": hq}), nil
}

// Gaussians25Centres writes the 25 centres of the 25gaussians set into
// out (float64 25×2).
func Gaussians25Centres(outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	out, err := view[float64]("centres", outAddr, outBytes, 50)
	if err != nil {
		return err
	}
	copy(out, metrics.Gaussians25Centres())
	return nil
}

// Gaussians25Sigma is the standard deviation of each 25gaussians
// component.
func Gaussians25Sigma() (sigma float64, err error) {
	defer guard(&err)
	return metrics.Gaussians25Sigma, nil
}
