package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

func TestConv2DGradients(t *testing.T) {
	for _, w := range []autograd.Window{
		{KH: 2, KW: 2},
		{KH: 3, KW: 3, Pad: 1},
		{KH: 3, KW: 3, Stride: 2},
		{KH: 4, KW: 4, Stride: 2, Pad: 1},
	} {
		t.Run(fmt.Sprintf("%+v", w), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 4))
			c := NewConv2D("c", autograd.Image{H: 5, W: 3, C: 2}, w, 3, rng)
			x := randInput(rng, 2, 30)
			checkLayer(t, []*tensor.Dense{x, c.W.Value, c.B.Value}, func(g *autograd.Graph, in []*autograd.Node) *autograd.Node {
				c.W, c.B = in[1], in[2]
				return g.Scale(c.Forward(g, in[0]), 0.5)
			})
		})
	}
}

// A convolution whose only weight is 1 at the centre of a 3×3 window
// copies each image's interior, shifted into the output's frame.
func TestConv2DShapesAndValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 4))
	in := autograd.Image{H: 5, W: 6, C: 1}
	c := NewConv2D("c", in, autograd.Window{KH: 3, KW: 3}, 1, rng)
	if out := c.Out(); out != (autograd.Image{H: 3, W: 4, C: 1}) {
		t.Fatalf("output layout %+v", out)
	}
	if c.W.Value.R != 9 || c.W.Value.C != 1 || c.W.Name != "c/W" {
		t.Fatalf("weights %v %q", c.W.Value, c.W.Name)
	}
	clear(c.W.Value.Data)
	c.W.Value.Data[4] = 1
	c.B.Value.Data[0] = 0.5
	x := randInput(rng, 2, in.Size())
	g := autograd.NewGraph()
	y := c.Forward(g, g.Const(x)).Value
	if y.R != 2 || y.C != 12 {
		t.Fatalf("output %v", y)
	}
	for b := 0; b < 2; b++ {
		for oy := 0; oy < 3; oy++ {
			for ox := 0; ox < 4; ox++ {
				want := x.At(b, (oy+1)*6+ox+1) + 0.5
				if got := y.At(b, oy*4+ox); math.Abs(float64(got-want)) > 1e-6 {
					t.Fatalf("image %d (%d, %d): %v, want %v", b, oy, ox, got, want)
				}
			}
		}
	}
}
