package metrics_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ddaebm/ddaebm/core/metrics"
)

// naiveMMD is the V-statistic straight from its definition.
// mmd is metrics.MMD, which cannot fail without a context that ends.
func mmd(x, y []float64, dim int, h float64) float64 {
	v, err := metrics.MMD(context.Background(), x, y, dim, h)
	if err != nil {
		panic(err)
	}
	return v
}

func naiveMMD(x, y []float64, dim int, h float64) float64 {
	mean := func(a, b []float64) float64 {
		sum := 0.0
		for i := 0; i < len(a); i += dim {
			for j := 0; j < len(b); j += dim {
				d2 := 0.0
				for k := range dim {
					d2 += (a[i+k] - b[j+k]) * (a[i+k] - b[j+k])
				}
				sum += math.Exp(-d2 / (2 * h * h))
			}
		}
		return sum / float64(len(a)/dim*len(b)/dim)
	}
	return mean(x, x) + mean(y, y) - 2*mean(x, y)
}

func uniformPoints(n, dim int, rng *rand.Rand) []float64 {
	out := make([]float64, n*dim)
	for i := range out {
		out[i] = rng.Float64()
	}
	return out
}

func TestMMDSmallCases(t *testing.T) {
	// One point each in 1-D, distance 1, h = 1: 1 + 1 − 2e^{−1/2}.
	if got, want := mmd([]float64{0}, []float64{1}, 1, 1), 2-2*math.Exp(-0.5); math.Abs(got-want) > 1e-15 {
		t.Errorf("MMD({0}, {1}) = %.15f, want %.15f", got, want)
	}
	// Odd sizes and dimension 3 exercise the row blocks' edges.
	rng := newRNG(2)
	x, y := uniformPoints(37, 3, rng), uniformPoints(53, 3, rng)
	if got, want := mmd(x, y, 3, 0.4), naiveMMD(x, y, 3, 0.4); math.Abs(got-want) > 1e-12 {
		t.Errorf("MMD = %.15f, the definition gives %.15f", got, want)
	}
}

func TestMMDIdenticalSymmetricAndSeparated(t *testing.T) {
	rng := newRNG(3)
	x := normalSamples(2000, rng)
	if got := mmd(x, x, 2, 1); got > 1e-12 {
		t.Errorf("MMD of a set with itself = %g", got)
	}
	y := normalSamples(2000, rng)
	for i := range y {
		y[i] += 3 / math.Sqrt2 // a shift of 3 along the diagonal
	}
	xy, yx := mmd(x, y, 2, 1), mmd(y, x, 2, 1)
	if math.Abs(xy-yx) > 1e-12 {
		t.Errorf("MMD not symmetric: %.15f vs %.15f", xy, yx)
	}
	// Population value for N(0, I) vs N(μ, I) in 2-D with h = 1:
	// 2·h²/(h²+2)·(1 − exp(−‖μ‖²/(2(h²+2)))); the V-statistic adds ~0.0007.
	want := 2.0 / 3 * (1 - math.Exp(-9.0/6))
	if math.Abs(xy-want) > 0.02 {
		t.Errorf("MMD of normals 3 apart = %.4f, want about %.4f", xy, want)
	}
	fresh := normalSamples(2000, rng)
	if same := mmd(x, fresh, 2, 1); same > 0.01 {
		t.Errorf("MMD of two samples of one normal = %.4f, want near 0", same)
	}
}

func TestMedianBandwidth(t *testing.T) {
	// Distances 1, 3, 2: median 2.
	if got := metrics.MedianBandwidth([]float64{0, 1}, []float64{3}, 1); got != 2 {
		t.Errorf("odd count: %g, want 2", got)
	}
	// Distances 1, 2, 4, 1, 3, 2: median of the middle two, 2.
	if got := metrics.MedianBandwidth([]float64{0, 1}, []float64{2, 4}, 1); got != 2 {
		t.Errorf("even count: %g, want 2", got)
	}
	if got := metrics.MedianBandwidth([]float64{5}, nil, 1); got != 0 {
		t.Errorf("one point: %g, want 0", got)
	}
	// The difference of two N(0, I) points in 2-D is N(0, 2I); its length is
	// Rayleigh with scale √2, median 2√(ln 2). 10000 pooled points exercise
	// the 2000-point subset.
	rng := newRNG(4)
	got := metrics.MedianBandwidth(normalSamples(5000, rng), normalSamples(5000, rng), 2)
	if want := 2 * math.Sqrt(math.Ln2); math.Abs(got-want) > 0.03 {
		t.Errorf("normal data: %.4f, want %.4f", got, want)
	}
}

func TestMMDRejectsBadArguments(t *testing.T) {
	for name, f := range map[string]func(){
		"zero bandwidth": func() { mmd([]float64{0, 0}, []float64{1, 1}, 2, 0) },
		"ragged points":  func() { mmd([]float64{0, 0, 1}, []float64{1, 1}, 2, 1) },
		"zero dimension": func() { metrics.MedianBandwidth([]float64{0}, nil, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func BenchmarkMMD5000(b *testing.B) {
	rng := newRNG(5)
	x, y := normalSamples(5000, rng), normalSamples(5000, rng)
	for b.Loop() {
		mmd(x, y, 2, metrics.MedianBandwidth(x, y, 2))
	}
}

func TestMMDStopsWhenCancelled(t *testing.T) {
	x := normalSamples(5000, newRNG(3))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := metrics.MMD(ctx, x, x, 2, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("MMD with a cancelled context: %v", err)
	}
}

// TestMMDIsReproducible checks that MMD gives the same bits whatever the
// number of workers and however they share the blocks of rows: a metric
// that changes in its last digits between two runs of the same model
// looks like a change in the model.
func TestMMDIsReproducible(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y := make([]float64, 2*3000), make([]float64, 2*2000)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64() + 0.1
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want float64
	for i, procs := range []int{1, 2, 3, 8, 8, 8, 8, 8} {
		runtime.GOMAXPROCS(procs)
		got, err := metrics.MMD(context.Background(), x, y, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = got
		} else if got != want {
			t.Fatalf("with %d workers MMD = %.17g, with 1 %.17g", procs, got, want)
		}
	}
}
