package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// FrechetDistance is the Fréchet distance between Gaussians fitted to the
// rows of x and y (n×d each, n ≥ 2):
//
//	‖μx − μy‖² + tr(Σx + Σy − 2(Σx·Σy)^½),
//
// the formula of FID, here for any features. tr (Σx·Σy)^½ is the sum of
// the square roots of the eigenvalues of Σx^½·Σy·Σx^½, a symmetric
// positive semi-definite matrix, computed with gonum's symmetric
// eigendecompositions (no general matrix square root, no complex
// rounding residue).
func FrechetDistance(x, y *mat.Dense) (float64, error) {
	rx, cx := x.Dims()
	ry, cy := y.Dims()
	if rx < 2 || ry < 2 || cx != cy {
		return math.NaN(), fmt.Errorf("metrics: Fréchet distance of %d×%d and %d×%d features: want two sets of at least 2 rows of equal width", rx, cx, ry, cy)
	}
	mx, sx := moments(x)
	my, sy := moments(y)
	return FrechetFromMoments(mx, sx, my, sy)
}

func moments(x *mat.Dense) ([]float64, *mat.SymDense) {
	_, c := x.Dims()
	mean := make([]float64, c)
	for j := range c {
		mean[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	cov := mat.NewSymDense(c, nil)
	stat.CovarianceMatrix(cov, x, nil)
	return mean, cov
}

// FrechetFromMoments is FrechetDistance for given means and covariances.
func FrechetFromMoments(mx []float64, sx *mat.SymDense, my []float64, sy *mat.SymDense) (float64, error) {
	d := len(mx)
	if len(my) != d || sx.SymmetricDim() != d || sy.SymmetricDim() != d {
		return math.NaN(), fmt.Errorf("metrics: Fréchet distance of moments of sizes %d, %d, %d and %d", len(mx), sx.SymmetricDim(), len(my), sy.SymmetricDim())
	}
	var dist float64
	for i := range d {
		dist += (mx[i] - my[i]) * (mx[i] - my[i])
		dist += sx.At(i, i) + sy.At(i, i)
	}
	root, err := sqrtSym(sx)
	if err != nil {
		return math.NaN(), err
	}
	var m mat.Dense
	m.Product(root, sy, root)
	inner := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			inner.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2) // symmetric up to rounding
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(inner, false) {
		return math.NaN(), fmt.Errorf("metrics: Fréchet distance: the eigendecomposition did not converge")
	}
	for _, v := range eig.Values(nil) {
		dist -= 2 * math.Sqrt(max(v, 0))
	}
	return dist, nil
}

// sqrtSym is the symmetric square root of a covariance matrix, its
// rounding-negative eigenvalues taken as 0.
func sqrtSym(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("metrics: Fréchet distance: the eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	d := len(vals)
	scaled := mat.NewDense(d, d, nil)
	for j, v := range vals {
		r := math.Sqrt(max(v, 0))
		for i := range d {
			scaled.Set(i, j, vecs.At(i, j)*r)
		}
	}
	var root mat.Dense
	root.Mul(scaled, vecs.T())
	return &root, nil
}
