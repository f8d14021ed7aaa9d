package unet

import (
	"fmt"
	"math"
	"slices"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// UNet is U(x, k[, z]) of docs/IMAGES.md §2.1: images in, images of the same
// layout out. With a mapping network (the generator's) its residual
// blocks normalise with AdaGN, γ(z)·GN(x) + β(z).
type UNet struct {
	settings Settings
	embed    *tensor.Dense // SE_nf(k) for k = 0..T−1
	temb0    *nn.Linear    // nf → 4nf
	temb1    *nn.Linear    // 4nf → 4nf
	mapping  []*nn.Linear  // nz → zd, then MapLayers × zd → zd; nil without z
	in       *nn.Conv2D
	blocks   []block // in the order they run
	outNorm  *groupNorm
	out      *nn.Conv2D

	dropout dropoutStream
}

// block is one step of the U-Net's schedule: a residual block, an
// attention block, or the input pyramid's merge; push and pop move the
// skip connections.
type block struct {
	res     *resBlock
	attn    *attnBlock
	pyramid *pyramidDown
	push    bool // keep the output for the way up
	pop     bool // concatenate the last kept output to the input first
	// popIn and skip are the layouts of the input and of the kept output
	// that pop concatenates.
	popIn, skip autograd.Image
}

// newUNet builds the U-Net for images of s.Image; nz > 0 adds the mapping
// network of a z-conditioned generator. name prefixes the parameters.
func newUNet(b *builder, name string, s Settings, steps, nz int) *UNet {
	u := &UNet{settings: s}
	nf, temb := s.NF, 4*s.NF
	b.values(steps * nf)
	if !b.counting() {
		u.embed = nn.SinusoidalTable(steps, nf)
	}
	u.temb0 = b.linear(name+"/temb.0", nf, temb, fanAvg, 1, true, 0)
	u.temb1 = b.linear(name+"/temb.1", temb, temb, fanAvg, 1, true, 0)
	b.size.StepRows += float64(steps * 3 * temb)
	adaptive := nz > 0
	if adaptive {
		b.width(nz)
		u.mapping = append(u.mapping, b.linear(name+"/map.0", nz, s.ZEmbed, fanOut, 1, true, 2*s.ZEmbed))
		for i := range s.MapLayers {
			u.mapping = append(u.mapping, b.linear(fmt.Sprintf("%s/map.%d", name, i+1), s.ZEmbed, s.ZEmbed, fanOut, 1, true, 2*s.ZEmbed))
		}
	}
	r := resParts{b: b, name: name, temb: temb, dropout: s.Dropout, adaptive: adaptive, zEmbed: s.ZEmbed, resample: s.Resample}

	var im autograd.Image
	u.in, im = b.conv(name+"/in", s.Image, conv3, nf, fanAvg, 1, true)
	kept := []autograd.Image{im}
	pyr := s.Image
	last := len(s.ChMult) - 1
	for level, mult := range s.ChMult {
		c := nf * mult
		for i := range s.ResBlocks {
			blk := block{push: true}
			blk.res, im = r.new(fmt.Sprintf("down.%d.%d", level, i), im, c, none)
			if slices.Contains(s.AttnRes, im.H) {
				blk.attn = newAttn(b, fmt.Sprintf("%s/down.%d.%d.attn", name, level, i), im)
			}
			u.blocks = append(u.blocks, blk)
			kept = append(kept, im)
		}
		if level == last {
			continue
		}
		blk := block{push: true}
		blk.res, im = r.new(fmt.Sprintf("down.%d.down", level), im, im.C, down)
		if s.Resample == ResampleFIR {
			blk.pyramid, pyr = newPyramidDown(b, fmt.Sprintf("%s/pyramid.%d", name, level), pyr, im.C)
		}
		u.blocks = append(u.blocks, blk)
		kept = append(kept, im)
	}
	var mid0, mid1 block
	mid0.res, im = r.new("mid.0", im, im.C, none)
	mid0.attn = newAttn(b, name+"/mid.attn", im)
	mid1.res, im = r.new("mid.1", im, im.C, none)
	u.blocks = append(u.blocks, mid0, mid1)
	for level := last; level >= 0; level-- {
		c := nf * s.ChMult[level]
		for i := range s.ResBlocks + 1 {
			skip := kept[len(kept)-1]
			kept = kept[:len(kept)-1]
			blk := block{pop: true, popIn: im, skip: skip}
			both := autograd.Image{H: im.H, W: im.W, C: im.C + skip.C}
			b.width(both.Size())
			blk.res, im = r.new(fmt.Sprintf("up.%d.%d", level, i), both, c, none)
			u.blocks = append(u.blocks, blk)
		}
		if slices.Contains(s.AttnRes, im.H) {
			u.blocks = append(u.blocks, block{attn: newAttn(b, fmt.Sprintf("%s/up.%d.attn", name, level), im)})
		}
		if level > 0 {
			blk := block{}
			blk.res, im = r.new(fmt.Sprintf("up.%d.up", level), im, im.C, up)
			u.blocks = append(u.blocks, blk)
		}
	}
	u.outNorm = b.groupNorm(name+"/out.norm", im, false)
	b.width(im.Size())
	u.out, _ = b.conv(name+"/out", im, conv3, s.Image.C, fanAvg, zeroScale, true)
	return u
}

var (
	conv3 = autograd.Window{KH: 3, KW: 3, Pad: 1}
	conv1 = autograd.Window{KH: 1, KW: 1}
)

// zeroScale is NCSN++'s init scale of the layers that start near zero
// (each block's last convolution, the output convolution, attention's
// output): the blocks start as identities.
const zeroScale = 1e-10

// forward returns U(x, k[, z]) for the B images in the rows of x.
func (u *UNet) forward(g *autograd.Graph, x *autograd.Node, k []int, z *autograd.Node) *autograd.Node {
	// The step branch depends on k only: run it on the T embeddings.
	tembT := u.temb1.Forward(g, g.SiLU(u.temb0.Forward(g, g.Const(u.embed))))
	actT := g.SiLU(tembT)
	var zemb *autograd.Node
	if u.mapping != nil {
		zemb = pixelNorm(g, z)
		for _, l := range u.mapping {
			zemb = g.SiLU(l.Forward(g, zemb))
		}
	}
	c := blockContext{g: g, k: k, tembAct: actT, zemb: zemb, dropout: &u.dropout}
	h := u.in.Forward(g, x)
	kept := []*autograd.Node{h}
	pyr := x
	for _, blk := range u.blocks {
		if blk.pop {
			skip := kept[len(kept)-1]
			kept = kept[:len(kept)-1]
			h = g.ConcatChannels(h, blk.popIn, skip, blk.skip)
		}
		if blk.res != nil {
			h = blk.res.forward(c, h)
		}
		if blk.attn != nil {
			h = blk.attn.forward(g, h)
		}
		if blk.pyramid != nil {
			pyr = g.Scale(g.Add(blk.pyramid.forward(g, pyr), h), invSqrt2)
			h = pyr
		}
		if blk.push {
			kept = append(kept, h)
		}
	}
	return u.out.Forward(g, g.SiLU(u.outNorm.forward(g, h, nil, nil)))
}

var invSqrt2 = tensor.Float(1 / math.Sqrt2)

// pixelNorm is z/√(mean(z²) + 1e-8), row by row.
func pixelNorm(g *autograd.Graph, z *autograd.Node) *autograd.Node {
	ms := g.AddConst(g.Scale(g.SumRows(g.Square(z)), tensor.Float(1/float64(z.Value.C))), 1e-8)
	return g.MulCol(z, g.Pow(ms, -0.5))
}
