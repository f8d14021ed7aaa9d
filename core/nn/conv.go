package nn

import (
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
)

// Conv2D is a 2-D convolution (any window, stride and zero padding: an
// autograd.Window) over a batch of images, one per row in the
// autograd.Image layout (pixel by pixel, the channels of a pixel
// together): the (KH·KW·C)×F weights applied to the patch at every
// position of every image (Graph.Conv), then the bias.
type Conv2D struct {
	*Linear // W is (KH·KW·C)×F, rows ordered as a patch; B is 1×F
	Patches *autograd.Patches
}

// NewConv2D initialises the weights as PyTorch's Conv2d does, uniformly
// in ±1/√(KH·KW·C): a convolution is a Linear layer applied to patches.
func NewConv2D(name string, in autograd.Image, w autograd.Window, filters int, rng *rand.Rand) *Conv2D {
	return NewConv2DOn(name, autograd.NewPatches(in, w), filters, rng)
}

// NewConv2DOn is NewConv2D over patches that layers with the same input
// layout and window share: their index has KH·KW values per input value,
// worth computing and keeping once per network.
func NewConv2DOn(name string, p *autograd.Patches, filters int, rng *rand.Rand) *Conv2D {
	return &Conv2D{Linear: NewLinear(name, p.Len(), filters, rng), Patches: p}
}

// Out is the layout of the output images: OutH×OutW pixels of F channels.
func (c *Conv2D) Out() autograd.Image {
	return c.Patches.Out(c.W.Value.C)
}

// Forward convolves the images in the rows of x (B×In.Size()) into a
// B×Out().Size() batch (Graph.Conv), then adds the bias at every pixel.
func (c *Conv2D) Forward(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	y := g.Conv(x, c.W, c.Patches)
	if c.B == nil {
		return y
	}
	b, f := x.Value.R, c.W.Value.C
	return g.Reshape(g.AddRow(g.Reshape(y, b*c.Patches.Positions(), f), c.B), b, c.Out().Size())
}
