package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randDense(rng *rand.Rand, r, c int) *Dense {
	d := New(r, c)
	for i := range d.Data {
		d.Data[i] = Float(rng.NormFloat64())
	}
	return d
}

// naive computes alpha·op(a)·op(b) + beta·c in float64 straight from the definition.
func naive(transA, transB bool, alpha float64, a, b *Dense, beta float64, c *Dense) []float64 {
	at := func(i, p int) float64 {
		if transA {
			return float64(a.At(p, i))
		}
		return float64(a.At(i, p))
	}
	bt := func(p, j int) float64 {
		if transB {
			return float64(b.At(j, p))
		}
		return float64(b.At(p, j))
	}
	k := a.C
	if transA {
		k = a.R
	}
	out := make([]float64, c.R*c.C)
	for i := 0; i < c.R; i++ {
		for j := 0; j < c.C; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += at(i, p) * bt(p, j)
			}
			out[i*c.C+j] = alpha*s + beta*float64(c.At(i, j))
		}
	}
	return out
}

func TestGemmMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {64, 300, 65}, {200, 31, 300}, {5, 1, 200},
		{1, 70, 3}, {25, 65, 1}, {13, 33, 257}}
	scales := [][2]float64{{0.7, 0.3}, {1, 0}, {-2, 1}}
	for si, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		alpha, beta := scales[si%len(scales)][0], scales[si%len(scales)][1]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			ar, ac := m, k
			if tr[0] {
				ar, ac = k, m
			}
			br, bc := k, n
			if tr[1] {
				br, bc = n, k
			}
			a, b, c := randDense(rng, ar, ac), randDense(rng, br, bc), randDense(rng, m, n)
			want := naive(tr[0], tr[1], alpha, a, b, beta, c)
			Gemm(tr[0], tr[1], Float(alpha), a, b, Float(beta), c)
			for i, w := range want {
				if d := math.Abs(float64(c.Data[i]) - w); d > 1e-4*(1+math.Abs(w))*math.Sqrt(float64(k)) {
					t.Fatalf("m,n,k=%d,%d,%d trans=%v alpha,beta=%g,%g: element %d = %g, want %g",
						m, n, k, tr, alpha, beta, i, c.Data[i], w)
				}
			}
		}
	}
}

func TestGemmRejectsMismatchedShapes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Gemm accepted 2×3 · 4×2")
		}
	}()
	Gemm(false, false, 1, New(2, 3), New(4, 2), 0, New(2, 2))
}

// BenchmarkGemm times the products of a dense layer's training step: the
// forward pass (NN), the input gradient (NT) and the weight gradient (TN).
// Run with -cpu 1,2 to see the single-threaded and the split speed.
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{200, 300, 300}, {128, 1000, 1000}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range []struct {
			name           string
			transA, transB bool
		}{{"NN", false, false}, {"NT", false, true}, {"TN", true, false}} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", tr.name, m, n, k), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x, w, y := randDense(rng, m, k), randDense(rng, k, n), New(m, n)
				if tr.transA {
					x = randDense(rng, k, m)
				}
				if tr.transB {
					w = randDense(rng, n, k)
				}
				// The first call allocates the packing buffers; the
				// allocations reported are those of the calls after it.
				Gemm(tr.transA, tr.transB, 1, x, w, 0, y)
				b.ReportAllocs()
				for b.Loop() {
					Gemm(tr.transA, tr.transB, 1, x, w, 0, y)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
