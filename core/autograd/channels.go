package autograd

import (
	"fmt"
	"math"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// ConcatChannels returns the images whose every pixel holds a's channels
// then b's (a U-Net's skip connection), for B images of layouts ina and
// inb with the same H×W: a batch of layout Image{H, W, ina.C + inb.C}.
func (g *Graph) ConcatChannels(a *Node, ina Image, b *Node, inb Image) *Node {
	if ina.H != inb.H || ina.W != inb.W || a.Value.C != ina.Size() || b.Value.C != inb.Size() || a.Value.R != b.Value.R {
		panic(fmt.Sprintf("autograd: ConcatChannels: %d×%d as %+v with %d×%d as %+v", a.Value.R, a.Value.C, ina, b.Value.R, b.Value.C, inb))
	}
	pixels := a.Value.R * ina.H * ina.W
	cat := g.ConcatCols(g.Reshape(a, pixels, ina.C), g.Reshape(b, pixels, inb.C))
	return g.Reshape(cat, a.Value.R, pixels/a.Value.R*(ina.C+inb.C))
}

// ChannelSums returns the B×C sums of each channel over the positions of
// each of the B images of layout in in the rows of x.
func (g *Graph) ChannelSums(x *Node, in Image) *Node {
	if x.Value.C != in.Size() {
		panic(fmt.Sprintf("autograd: ChannelSums: rows of %d values for %+v images", x.Value.C, in))
	}
	terms := make([]ColTerm, in.Size())
	for i := range terms {
		terms[i] = ColTerm{From: i, To: i % in.C, W: 1}
	}
	return g.MapCols(x, NewColMap(in.Size(), in.C, terms))
}

// Dropout zeroes each element of x with probability p and scales the rest
// by 1/(1−p), with a mask drawn from the stream seed. The mask is a
// constant of the graph, so the gradient (and its gradient) passes
// through exactly the elements that were kept.
func (g *Graph) Dropout(x *Node, p float64, seed uint64) *Node {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("autograd: Dropout: probability %v outside [0, 1)", p))
	}
	if p == 0 {
		return x
	}
	r, c := x.Value.R, x.Value.C
	// Keep where a standard normal exceeds its p-quantile, Φ⁻¹(p) =
	// √2·erfinv(2p − 1): probability 1 − p, on any backend.
	z := g.be.NewUninit(r, c)
	g.be.Normal(z, seed)
	g.be.Unary(OpAddConst, z, z, tensor.Float(-math.Sqrt2*math.Erfinv(2*p-1)))
	keep := g.be.NewUninit(r, c)
	g.be.Fill(keep, tensor.Float(1/(1-p)))
	zero := g.be.New(1, 1)
	mask := g.be.NewUninit(r, c)
	g.be.MaskedScale(mask, keep, z, zero)
	return g.Mul(x, g.Const(mask))
}
