package metrics

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// MMD is the biased (V-statistic) estimate of the squared maximum mean
// discrepancy between the point sets x and y (row-major, dim columns) under
// the RBF kernel k(a, b) = exp(−‖a−b‖²/(2h²)), h = bandwidth:
//
//	mean k(x, x') + mean k(y, y') − 2 mean k(x, y)
//
// over all pairs, the diagonal included. It is zero for identical sets.
// A bandwidth that is not a positive finite number is a caller's bug and
// panics: the kernel has no scale then. A caller taking the bandwidth from
// MedianBandwidth must first handle its 0, which a set of fewer than two
// distinct points gives (the toy evaluation asks for two test points).
// The cost is quadratic in the number of points; the sums stop with ctx's
// error once ctx is done.
func MMD(ctx context.Context, x, y []float64, dim int, bandwidth float64) (float64, error) {
	checkPoints("MMD x", x, dim)
	checkPoints("MMD y", y, dim)
	if !(bandwidth > 0) || math.IsInf(bandwidth, 0) {
		panic(fmt.Sprintf("metrics: MMD bandwidth %g", bandwidth))
	}
	n, m := float64(len(x)/dim), float64(len(y)/dim)
	scale := -1 / (2 * bandwidth * bandwidth)
	var sums [3]float64
	for i, pair := range [3][2][]float64{{x, x}, {y, y}, {x, y}} {
		s, err := kernelSum(ctx, pair[0], pair[1], dim, scale, i < 2)
		if err != nil {
			return 0, err
		}
		sums[i] = s
	}
	xx, yy, xy := sums[0], sums[1], sums[2]
	// The estimate is a squared RKHS norm; only rounding can take it below 0.
	return max(0, xx/(n*n)+yy/(m*m)-2*xy/(n*m)), nil
}

// kernelSum is Σ_{i,j} exp(scale·‖a_i − b_j‖²). With symmetric (a and b the
// same set) it sums the pairs i < j once and doubles them. Between blocks
// of rows the workers stop once ctx is done.
func kernelSum(ctx context.Context, a, b []float64, dim int, scale float64, symmetric bool) (float64, error) {
	rows := len(a) / dim
	// Workers take blocks of rows from a shared counter: with symmetric sums
	// the early rows have the most pairs, so fixed shares would be uneven.
	// Each block's sum is kept and the blocks are added in order, so the
	// result does not depend on which worker took which block.
	const block = 32
	var next atomic.Int64
	blockSums := make([]float64, (rows+block-1)/block)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				start := int(next.Add(block)) - block
				if start >= rows || ctx.Err() != nil {
					break
				}
				sum := 0.0
				for i := start; i < min(start+block, rows); i++ {
					ai := a[i*dim : (i+1)*dim]
					from := 0
					if symmetric {
						from = (i + 1) * dim
					}
					for off := from; off < len(b); off += dim {
						bj := b[off : off+dim]
						d2 := 0.0
						for k, v := range ai {
							diff := v - bj[k]
							d2 += diff * diff
						}
						sum += math.Exp(scale * d2)
					}
				}
				blockSums[start/block] = sum
			}
		})
	}
	wg.Wait()
	total := 0.0
	for _, s := range blockSums {
		total += s
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if symmetric {
		return 2*total + float64(rows), nil // k(a_i, a_i) = 1
	}
	return total, nil
}

// bandwidthPoints caps the pooled set MedianBandwidth looks at: the median of
// 2000·1999/2 distances is as good a scale as that of all of them, and costs
// a fixed ~2M distances.
const bandwidthPoints = 2000

// MedianBandwidth is the median pairwise Euclidean distance in the pooled set
// x ∪ y (the median heuristic for MMD's h), taken over at most 2000 points
// spread evenly through the pooled set. It is 0 when fewer than two points
// are given or more than half of the pairs coincide.
func MedianBandwidth(x, y []float64, dim int) float64 {
	checkPoints("MedianBandwidth x", x, dim)
	checkPoints("MedianBandwidth y", y, dim)
	pooled := len(x)/dim + len(y)/dim
	point := func(i int) []float64 {
		if off := i * dim; off < len(x) {
			return x[off : off+dim]
		}
		off := i*dim - len(x)
		return y[off : off+dim]
	}
	used := min(pooled, bandwidthPoints)
	if used < 2 {
		return 0
	}
	chosen := make([][]float64, used)
	for i := range chosen {
		chosen[i] = point(i * pooled / used)
	}
	distances := make([]float64, 0, used*(used-1)/2)
	for i, a := range chosen {
		for _, b := range chosen[i+1:] {
			d2 := 0.0
			for k, v := range a {
				diff := v - b[k]
				d2 += diff * diff
			}
			distances = append(distances, d2)
		}
	}
	// Sorting squared distances orders them the same; take roots at the end.
	slices.Sort(distances)
	mid := len(distances) / 2
	if len(distances)%2 == 1 {
		return math.Sqrt(distances[mid])
	}
	return (math.Sqrt(distances[mid-1]) + math.Sqrt(distances[mid])) / 2
}
