package autograd

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Groups describes group normalisation over images of layout In: the C
// channels fall into G groups of C/G neighbouring channels, and each
// image's statistics are taken over every position of a group's
// channels. It holds the two fixed maps that do so (ColMap), computed
// once per layer.
type Groups struct {
	In     Image
	G      int
	mean   *ColMap // In.Size() → G: the mean of each group
	spread *ColMap // G → In.Size(): each group's value at its every element
}

// NewGroups prepares group normalisation of in with g groups; g must
// divide the channel count, as in PyTorch's GroupNorm.
func NewGroups(in Image, g int) *Groups {
	if g < 1 || in.C%g != 0 || in.Size() < 1 {
		panic(fmt.Sprintf("autograd: NewGroups: %d groups of the %d channels of a %+v image", g, in.C, in))
	}
	per := in.C / g
	n := float64(in.H * in.W * per)
	terms := make([]ColTerm, 0, in.Size())
	for p := 0; p < in.H*in.W; p++ {
		for c := 0; c < in.C; c++ {
			terms = append(terms, ColTerm{From: p*in.C + c, To: c / per, W: 1 / n})
		}
	}
	mean := NewColMap(in.Size(), g, terms)
	mean.blocks = &channelBlocks{pixels: in.H * in.W, C: in.C, per: per, w: tensor.Float(1 / n), reduce: true}
	for i := range terms {
		terms[i] = ColTerm{From: terms[i].To, To: terms[i].From, W: 1}
	}
	spread := NewColMap(g, in.Size(), terms)
	spread.blocks = &channelBlocks{pixels: in.H * in.W, C: in.C, per: per, w: 1}
	return &Groups{In: in, G: g, mean: mean, spread: spread}
}

// GroupNorm returns (x − μ)/√(σ² + eps) for the B images in the rows of
// x, μ and σ² each image's mean and (biased) variance over each group:
// PyTorch's GroupNorm without its affine part, which the caller applies
// (a learned per-channel γ, β, or the generator's γ(z), β(z)). It is
// written with recorded operations, so its derivatives of every order
// are exact, on every backend.
func (g *Graph) GroupNorm(x *Node, gr *Groups, eps tensor.Float) *Node {
	if x.Value.C != gr.In.Size() {
		panic(fmt.Sprintf("autograd: GroupNorm: rows of %d values for %+v images", x.Value.C, gr.In))
	}
	d := g.Sub(x, g.MapCols(g.MapCols(x, gr.mean), gr.spread))
	variance := g.MapCols(g.Square(d), gr.mean)
	return g.Mul(d, g.MapCols(g.Pow(g.AddConst(variance, eps), -0.5), gr.spread))
}

// PerChannel applies a per-channel affine map to images of layout in:
// x·scale + shift at every position, scale and shift 1×C (a layer's γ,
// β) or B×C (one per image: the generator's adaptive group norm), either
// nil for none.
func (g *Graph) PerChannel(x *Node, in Image, scale, shift *Node) *Node {
	b := x.Value.R
	if x.Value.C != in.Size() {
		panic(fmt.Sprintf("autograd: PerChannel: rows of %d values for %+v images", x.Value.C, in))
	}
	pixels := g.Reshape(x, b*in.H*in.W, in.C)
	// perImage reports whether v has a row per image (else one row for
	// all), checking its shape.
	perImage := func(what string, v *Node) bool {
		if v.Value.C != in.C || (v.Value.R != 1 && v.Value.R != b) {
			panic(fmt.Sprintf("autograd: PerChannel: a %d×%d %s for %d images of %d channels", v.Value.R, v.Value.C, what, b, in.C))
		}
		return v.Value.R != 1
	}
	if scale != nil {
		if perImage("scale", scale) {
			pixels = g.Mul(pixels, g.GatherRows(scale, g.imageOfPixel(b, in.H*in.W)))
		} else {
			pixels = g.MulRow(pixels, scale)
		}
	}
	if shift != nil {
		if perImage("shift", shift) {
			pixels = g.Add(pixels, g.GatherRows(shift, g.imageOfPixel(b, in.H*in.W)))
		} else {
			pixels = g.AddRow(pixels, shift)
		}
	}
	return g.Reshape(pixels, b, in.Size())
}

// imageOfPixel lists, for the b·p pixels of b images of p pixels, the
// image each belongs to; the graph keeps each list for the next steps.
func (g *Graph) imageOfPixel(b, p int) []int {
	key := [2]int{b, p}
	if idx, ok := g.pixelImages[key]; ok {
		return idx
	}
	idx := make([]int, b*p)
	for i := range idx {
		idx[i] = i / p
	}
	if g.pixelImages == nil {
		g.pixelImages = map[[2]int][]int{}
	}
	g.pixelImages[key] = idx
	return idx
}
