package classify

import (
	"gonum.org/v1/gonum/mat"

	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// FrechetDistance is the Fréchet distance of two sets of digit images
// (rows as Features reads them) in the classifier's penultimate features
// (docs/IMAGES.md §8.2). It has FID's formula but not its features: the
// numbers compare models of MNIST-family data with each other, never with
// published FIDs.
func (c *Classifier) FrechetDistance(x, y *tensor.Dense) (float64, error) {
	fx, err := c.Features(x)
	if err != nil {
		return 0, err
	}
	fy, err := c.Features(y)
	if err != nil {
		return 0, err
	}
	return metrics.FrechetDistance(float64Matrix(fx), float64Matrix(fy))
}

// float64Matrix copies d into the float64 matrix gonum works on.
func float64Matrix(d *tensor.Dense) *mat.Dense {
	v := make([]float64, len(d.Data))
	for i, x := range d.Data {
		v[i] = float64(x)
	}
	return mat.NewDense(d.R, d.C, v)
}
