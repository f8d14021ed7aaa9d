package unet

import (
	"math"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// resParts is what every residual block of one U-Net shares.
type resParts struct {
	b        *builder
	name     string
	temb     int // width of the step embedding
	dropout  float64
	adaptive bool // AdaGN from the z embedding (the generator)
	zEmbed   int
	resample string
}

// resBlock is NCSN++'s BigGAN residual block (docs/IMAGES.md §2.1, "Res"):
// h = SiLU(N₀(x)), both h and x resampled in ↑/↓ blocks,
// h = Conv3(h) + Lin(SiLU(temb)) at every pixel,
// h = Conv3₀(Dropout(SiLU(N₁(h)))), x = Conv1(x) where the channels
// change or the block resamples, and (x + h)/√2.
type resBlock struct {
	norm0, norm1   *groupNorm
	style0, style1 *nn.Linear // AdaGN: z embedding → [γ, β] of N₀ and N₁
	resample       *autograd.Resampler
	conv0, conv1   *nn.Conv2D
	temb           *nn.Linear
	skip           *nn.Conv2D // nil when x passes unchanged
	in, mid        autograd.Image
	dropout        float64
}

// new builds a block from in images to c channels, resampling by dir.
func (r resParts) new(name string, in autograd.Image, c int, dir direction) (*resBlock, autograd.Image) {
	b, name := r.b, r.name+"/"+name
	blk := &resBlock{in: in, dropout: r.dropout}
	blk.norm0 = b.groupNorm(name+"/norm.0", in, r.adaptive)
	blk.style0 = r.style(name+"/style.0", in.C)
	b.width(2 * in.Size()) // SiLU
	at := in
	switch dir {
	case down:
		blk.resample, at = b.resampler(down, in, r.resample)
		b.width(at.Size()) // x resampled too
	case up:
		blk.resample, at = b.resampler(up, in, r.resample)
		b.width(at.Size())
	}
	var mid autograd.Image
	blk.conv0, mid = b.conv(name+"/conv.0", at, conv3, c, fanAvg, 1, true)
	blk.mid = mid
	blk.temb = b.linear(name+"/temb", r.temb, c, fanAvg, 1, true, mid.Size())
	blk.norm1 = b.groupNorm(name+"/norm.1", mid, r.adaptive)
	blk.style1 = r.style(name+"/style.1", c)
	b.width(3 * mid.Size()) // SiLU, dropout
	var out autograd.Image
	blk.conv1, out = b.conv(name+"/conv.1", mid, conv3, c, fanAvg, zeroScale, true)
	if in.C != c || dir != none {
		blk.skip, _ = b.conv(name+"/skip", at, conv1, c, fanAvg, 1, true)
	}
	b.width(2 * out.Size()) // the sum and its scale
	return blk, out
}

// style is AdaGN's Lin(zd → 2C), its bias starting at γ = 1, β = 0; nil
// in a block with its own affine norms.
func (r resParts) style(name string, c int) *nn.Linear {
	if !r.adaptive {
		return nil
	}
	l := r.b.linear(name, r.zEmbed, 2*c, fanOut, 1, true, 2*c)
	if l != nil {
		for i := range c {
			l.B.Value.Data[i] = 1
		}
	}
	return l
}

// direction is a block's resampling.
type direction = resampling

const none direction = -1

// blockContext is what a forward pass gives every block.
type blockContext struct {
	g       *autograd.Graph
	k       []int
	tembAct *autograd.Node // SiLU(temb) of the T steps, T×4nf
	zemb    *autograd.Node // B×zd, nil without z
	dropout *dropoutStream
}

func (blk *resBlock) norm(c blockContext, n *groupNorm, style *nn.Linear, x *autograd.Node) *autograd.Node {
	if style == nil {
		return n.forward(c.g, x, nil, nil)
	}
	s := style.Forward(c.g, c.zemb)
	ch := s.Value.C / 2
	return n.forward(c.g, x, c.g.SliceCols(s, 0, ch), c.g.SliceCols(s, ch, 2*ch))
}

func (blk *resBlock) forward(c blockContext, x *autograd.Node) *autograd.Node {
	g := c.g
	h := g.SiLU(blk.norm(c, blk.norm0, blk.style0, x))
	if blk.resample != nil {
		h, x = g.Resample(h, blk.resample), g.Resample(x, blk.resample)
	}
	h = blk.conv0.Forward(g, h)
	// Lin(SiLU(temb)) on the T steps, a row per example, added at every pixel.
	h = g.PerChannel(h, blk.mid, nil, g.GatherRows(blk.temb.Forward(g, c.tembAct), c.k))
	h = g.SiLU(blk.norm(c, blk.norm1, blk.style1, h))
	if seed := c.dropout.next(); seed != 0 && blk.dropout > 0 {
		h = g.Dropout(h, blk.dropout, seed)
	}
	h = blk.conv1.Forward(g, h)
	if blk.skip != nil {
		x = blk.skip.Forward(g, x)
	}
	return g.Scale(g.Add(x, h), invSqrt2)
}

// attnBlock is self-attention over the H·W positions of each image:
// h = GN(x); q, k, v by 1×1 convolutions; w = softmax(q·kᵀ/√C);
// (x + Conv1₀(w·v))/√2.
type attnBlock struct {
	norm       *groupNorm
	q, k, v, o *nn.Linear
	in         autograd.Image
}

func newAttn(b *builder, name string, in autograd.Image) *attnBlock {
	a := &attnBlock{in: in}
	c, p := in.C, in.H*in.W
	a.norm = b.groupNorm(name+"/norm", in, false)
	a.q = b.linear(name+"/q", c, c, fanAvg, 0.1, true, in.Size())
	a.k = b.linear(name+"/k", c, c, fanAvg, 0.1, true, in.Size())
	a.v = b.linear(name+"/v", c, c, fanAvg, 0.1, true, in.Size())
	b.width(3 * p * p) // scores, their softmax (log and exp)
	b.width(in.Size())
	a.o = b.linear(name+"/out", c, c, fanAvg, zeroScale, true, 3*in.Size())
	return a
}

func (a *attnBlock) forward(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	batch, pixels := x.Value.R, a.in.H*a.in.W
	// A B×(P·C) batch is the same memory as (B·P)×C pixel rows.
	h := g.Reshape(a.norm.forward(g, x, nil, nil), batch*pixels, a.in.C)
	scores := g.BatchMatMul(a.q.Forward(g, h), a.k.Forward(g, h), batch, false, true)
	w := g.Softmax(g.Scale(scores, tensor.Float(1/math.Sqrt(float64(a.in.C)))))
	out := g.Reshape(a.o.Forward(g, g.BatchMatMul(w, a.v.Forward(g, h), batch, false, false)), batch, a.in.Size())
	return g.Scale(g.Add(x, out), invSqrt2)
}

// pyramidDown is NCSN++'s input-pyramid step: the FIR filter padded to
// (R+1)×(R+1), then a 3×3 stride-2 convolution without padding, with a
// bias, to the level's channels.
type pyramidDown struct {
	blur *autograd.Resampler
	conv *nn.Conv2D
}

func newPyramidDown(b *builder, name string, in autograd.Image, c int) (*pyramidDown, autograd.Image) {
	p := &pyramidDown{}
	var blurred, out autograd.Image
	p.blur, blurred = b.resampler(blur, in, ResampleFIR)
	p.conv, out = b.conv(name, blurred, autograd.Window{KH: 3, KW: 3, Stride: 2}, c, fanAvg, 1, true)
	b.width(2 * out.Size()) // the sum and its scale
	return p, out
}

func (p *pyramidDown) forward(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	return p.conv.Forward(g, g.Resample(x, p.blur))
}

// dropoutStream gives every dropout layer of a forward pass its own seed,
// derived from the seed training sets before each step: 0 means no
// dropout (sampling, scoring).
type dropoutStream struct {
	seed, calls uint64
}

func (d *dropoutStream) set(seed uint64) { d.seed, d.calls = seed, 0 }

// next returns the next layer's seed, never 0 while dropout is on.
func (d *dropoutStream) next() uint64 {
	if d.seed == 0 {
		return 0
	}
	d.calls++
	return splitmix(d.seed+d.calls*0x9e3779b97f4a7c15) | 1
}

func splitmix(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
