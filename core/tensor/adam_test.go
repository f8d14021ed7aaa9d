package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamMatchesLoop checks Adam (vectorised where the CPU allows)
// against its loop bit for bit over lengths that leave every tail, with
// gradients of every scale, zeros, and moments that start at zero.
func TestAdamMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const stepSize, beta1, beta2, invSqrtC2, eps = 1e-3, 0.9, 0.999, 31.6, 1e-8
	for n := range 70 {
		w, g, m, v := make([]Float, n), make([]Float, n), make([]Float, n), make([]Float, n)
		for i := range n {
			w[i] = Float(rng.NormFloat64())
			g[i] = Float(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(13)-6)))
			if rng.IntN(4) > 0 {
				m[i], v[i] = Float(rng.NormFloat64()*0.1), Float(rng.ExpFloat64()*0.01)
			}
			if rng.IntN(10) == 0 {
				g[i] = 0
			}
		}
		w2, m2, v2 := append([]Float(nil), w...), append([]Float(nil), m...), append([]Float(nil), v...)
		Adam(w, g, m, v, stepSize, beta1, beta2, invSqrtC2, eps)
		adamGo(w2, g, m2, v2, stepSize, beta1, beta2, invSqrtC2, eps, 1-Float(beta1), 1-Float(beta2))
		for i := range n {
			for _, p := range [][2]Float{{w[i], w2[i]}, {m[i], m2[i]}, {v[i], v2[i]}} {
				if p[0] != p[1] {
					t.Fatalf("n %d, element %d (g %v): Adam gives w, m, v = %v, %v, %v; the loop %v, %v, %v", n, i, g[i], w[i], m[i], v[i], w2[i], m2[i], v2[i])
				}
			}
		}
	}
}

func BenchmarkAdam(b *testing.B) {
	const n = 300 * 300
	w, g, m, v := make([]Float, n), make([]Float, n), make([]Float, n), make([]Float, n)
	for i := range n {
		g[i] = Float(i%13) * 0.01
	}
	b.ReportAllocs()
	for range b.N {
		Adam(w, g, m, v, 1e-3, 0.9, 0.999, 31.6, 1e-8)
	}
}
