package autograd

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Convolutions as operations of their own. Written as Im2Col followed by
// a matrix product, a convolution leaves in the graph its patch matrix
// and, in the backward pass, the patch matrix's gradient: KH·KW times
// the size of its input each (nine times for 3×3), which dominated the
// memory of an image energy's double backward. Here the patches live
// only in scratch memory while an operation runs.
//
// Three operations close under differentiation, so derivatives of every
// order stay exact. With P(x) the patch matrix of x ((B·positions)×L,
// L = KH·KW·C) and col2im its transpose (the sum of patch values back
// into their pixels):
//
//	Conv(x, W)          = P(x)·W             (B×(positions·F))
//	ConvTranspose(u, W) = col2im(u·Wᵀ)       (B×In.Size()): ∂Conv/∂x applied to u
//	ConvWeights(x, u)   = P(x)ᵀ·u            (L×F): ∂Conv/∂W applied to u
//
// Each is linear in each argument, and the derivative of each is one of
// the three again.

// Conv convolves the B images in the rows of x (layout p.In) with the
// L×F weights w (rows ordered as a patch, Patches), giving the
// B×(positions·F) output images, the F channels of a pixel together. It
// computes what MatMul(Im2Col(x, p), w) does, without keeping the patches.
func (g *Graph) Conv(x, w *Node, p *Patches) *Node {
	g.checkConv("Conv", x.Value, p.In.Size(), w.Value, p)
	b, f := x.Value.R, w.Value.C
	out := g.be.NewUninit(b, p.Positions()*f)
	g.be.Gemm(false, false, g.patchMatrix(x.Value, p), w.Value, g.be.View(out, b*p.Positions(), f))
	n := g.op(opConv, out, x, w)
	n.patch = p
	return n
}

// ConvTranspose is the transpose of Conv in its input: for u of Conv's
// output shape (B×(positions·F)) it returns the B×In.Size() images
// col2im(u·Wᵀ), the gradient Conv passes back to x.
func (g *Graph) ConvTranspose(u, w *Node, p *Patches) *Node {
	g.checkConv("ConvTranspose", u.Value, p.Positions()*w.Value.C, w.Value, p)
	b, f, l := u.Value.R, w.Value.C, p.Len()
	g.be.Gemm(false, true, g.be.View(u.Value, b*p.Positions(), f), w.Value, g.scratchView(1, b*p.Positions(), l))
	grads := g.scratchView(1, b, p.Positions()*l)
	size := p.In.Size()
	var out *tensor.Dense
	if p.Window.Pad > 0 {
		// Padding elements point at column size: collect them in a
		// scratch column, then keep the image's columns.
		acc := g.scratchView(2, b, size+1)
		g.be.Fill(acc, 0)
		g.be.ScatterCols(acc, grads, p.idx)
		out = g.be.NewUninit(b, size)
		g.be.CopyCols(out, 0, acc, 0, size)
	} else {
		out = g.be.New(b, size)
		g.be.ScatterCols(out, grads, p.idx)
	}
	n := g.op(opConvTranspose, out, u, w)
	n.patch = p
	return n
}

// ConvWeights is the transpose of Conv in its weights: for images x
// (B×In.Size()) and u of Conv's output shape it returns the L×F matrix
// P(x)ᵀ·u, the gradient Conv passes back to W.
func (g *Graph) ConvWeights(x, u *Node, p *Patches) *Node {
	if x.Value.C != p.In.Size() || u.Value.R != x.Value.R || u.Value.C%p.Positions() != 0 {
		panic(fmt.Sprintf("autograd: ConvWeights: images %v and outputs %v for %+v", x.Value, u.Value, p.In))
	}
	b, f := x.Value.R, u.Value.C/p.Positions()
	out := g.be.NewUninit(p.Len(), f)
	g.be.Gemm(true, false, g.patchMatrix(x.Value, p), g.be.View(u.Value, b*p.Positions(), f), out)
	n := g.op(opConvWeights, out, x, u)
	n.patch = p
	return n
}

func (g *Graph) checkConv(op string, x *tensor.Dense, cols int, w *tensor.Dense, p *Patches) {
	if x.C != cols || w.R != p.Len() {
		panic(fmt.Sprintf("autograd: %s: a %v batch and %v weights for %+v patches of %+v images", op, x, w, p.Window, p.In))
	}
}

// patchMatrix returns the (B·positions)×L patch matrix of x in scratch
// memory, valid until the next convolution.
func (g *Graph) patchMatrix(x *tensor.Dense, p *Patches) *tensor.Dense {
	b, size := x.R, p.In.Size()
	src := x
	if p.Window.Pad > 0 {
		// x with a zero column appended, which padding elements read.
		// The buffer's last column is zeroed when it is allocated and
		// never written.
		src = g.scratchView(0, b, size+1)
		g.be.CopyCols(src, 0, x, 0, size)
	}
	g.be.GatherCols(g.scratchView(1, b, p.Positions()*p.Len()), src, p.idx)
	return g.scratchView(1, b*p.Positions(), p.Len())
}

// scratchView returns the slot's persistent buffer of r·c values as an
// r×c matrix; views are kept with the buffers, so that a step allocates
// none.
func (g *Graph) scratchView(slot, r, c int) *tensor.Dense {
	key := [3]int{slot, r, c}
	if v, ok := g.scratchViews[key]; ok {
		return v
	}
	if g.scratchViews == nil {
		g.scratchViews = map[[3]int]*tensor.Dense{}
	}
	v := g.be.View(g.scratchBuffer(slot, r*c), r, c)
	g.scratchViews[key] = v
	return v
}

// scratchBuffer returns the persistent 1×n buffer of the slot, zeroed
// when first allocated.
func (g *Graph) scratchBuffer(slot, n int) *tensor.Dense {
	key := [2]int{slot, n}
	if d, ok := g.scratch[key]; ok {
		return d
	}
	if g.scratch == nil {
		g.scratch = map[[2]int]*tensor.Dense{}
	}
	d := g.be.Alloc(1, n)
	g.scratch[key] = d
	return d
}

func init() {
	backwardOf[opConv] = func(g *Graph, n, grad *Node) {
		x, w := n.in[0], n.in[1]
		if g.needs(x) {
			g.accumulate(x, g.ConvTranspose(grad, w, n.patch))
		}
		if g.needs(w) {
			g.accumulate(w, g.ConvWeights(x, grad, n.patch))
		}
	}
	backwardOf[opConvTranspose] = func(g *Graph, n, grad *Node) {
		u, w := n.in[0], n.in[1]
		if g.needs(u) {
			g.accumulate(u, g.Conv(grad, w, n.patch))
		}
		if g.needs(w) {
			g.accumulate(w, g.ConvWeights(grad, u, n.patch))
		}
	}
	backwardOf[opConvWeights] = func(g *Graph, n, grad *Node) {
		x, u := n.in[0], n.in[1]
		if g.needs(x) {
			g.accumulate(x, g.ConvTranspose(u, grad, n.patch))
		}
		if g.needs(u) {
			g.accumulate(u, g.Conv(x, grad, n.patch))
		}
	}
}

// ScratchElements is the number of elements of the convolutions'
// persistent scratch memory, which step memory (the backend's) does not
// count.
func (g *Graph) ScratchElements() int {
	n := 0
	for _, d := range g.scratch {
		n += d.R * d.C
	}
	return n
}
