package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Group normalisation's maps and their transposes, computed by the CPU
// from their structure (channelBlocks), equal the same maps computed from
// their terms, to rounding: the structure describes the terms.
func TestChannelBlocksAreTheirTerms(t *testing.T) {
	tol := 1e-5 // relative, float32: the sums are taken in another order
	if unsafe.Sizeof(tensor.Float(0)) == 8 {
		tol = 1e-13
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		in Image
		g  int
	}{{Image{3, 5, 6}, 3}, {Image{4, 4, 32}, 8}, {Image{2, 2, 4}, 1}, {Image{8, 8, 16}, 16}} {
		gr := NewGroups(c.in, c.g)
		for name, m := range map[string]*ColMap{"mean": gr.mean, "spread": gr.spread, "mean.T": gr.mean.T(), "spread.T": gr.spread.T()} {
			t.Run(fmt.Sprintf("%+v/%d groups/%s", c.in, c.g, name), func(t *testing.T) {
				if m.blocks == nil {
					t.Fatal("the map has no structure: the CPU computes it from its terms")
				}
				x := randMatrix(rng, 5, m.In)
				fast, terms := tensor.New(5, m.Out), tensor.New(5, m.Out)
				NewCPU().MapCols(fast, x, m)
				mapCols(terms, x, m, 0, 5)
				for i, want := range terms.Data {
					got := fast.Data[i]
					if math.Abs(float64(got-want)) > tol*(1+math.Abs(float64(want))) {
						t.Fatalf("element %d: %v from the structure, %v from the terms", i, got, want)
					}
				}
			})
		}
	}
}

// Group normalisation of 64 images of 32×32×32 in 8 groups (the S
// networks' first level), forward and backward.
func BenchmarkGroupNorm(b *testing.B) {
	in := Image{32, 32, 32}
	gr := NewGroups(in, 8)
	x := randMatrix(rand.New(rand.NewPCG(1, 2)), 64, in.Size())
	g := NewGraph()
	b.ReportAllocs()
	for b.Loop() {
		g.Reset()
		xn := g.Leaf(x)
		y := g.GroupNorm(xn, gr, 1e-6)
		g.Grad(g.SumAll(g.Square(y)), []*Node{xn}, false)
	}
}
