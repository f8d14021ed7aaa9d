package autograd

import "fmt"

// Image operations. A batch of images is a B×(H·W·C) matrix: one image per
// row, stored row by row with the C channels of a pixel next to each other
// (H×W×C, "NHWC" without the batch). In that layout the patches of a
// convolution are gathered with one index list shared by every row, the
// (B·P)×F matrix of P positions of F channels is the same memory as the
// B×(P·F) batch, and a channel's bias or a convolution's weights apply to
// every position through one matrix product.

// Image is the layout of one row: H rows of W pixels of C channels.
type Image struct{ H, W, C int }

// Size is the number of values in one image, H·W·C.
func (im Image) Size() int { return im.H * im.W * im.C }

// Pooled is the layout MaxPool with this window size produces.
func (im Image) Pooled(size int) Image { return Image{im.H / size, im.W / size, im.C} }

// Window is a convolution's sliding window: KH×KW pixels, moved Stride
// pixels at a time (0 counts as 1) over the image surrounded by Pad rows
// and columns of zeros on every side.
type Window struct{ KH, KW, Stride, Pad int }

// Patches is the im2col layout of a Window sliding over an image:
// OutH×OutW positions, each a patch of KH·KW·C values ordered by window
// row, window column, then channel.
type Patches struct {
	In         Image
	Window     Window
	OutH, OutW int
	// idx is the column of the input row behind each patch element,
	// position by position; padding elements point at column In.Size(),
	// a zero column the convolutions append when Window.Pad > 0.
	idx []int
}

// NewPatches computes the index of every patch element once, for reuse by
// every convolution over images of this layout.
func NewPatches(in Image, w Window) *Patches {
	if w.Stride == 0 {
		w.Stride = 1
	}
	ph, pw := in.H+2*w.Pad, in.W+2*w.Pad
	if in.H < 1 || in.W < 1 || in.C < 1 || w.KH < 1 || w.KW < 1 || w.Stride < 1 || w.Pad < 0 || w.KH > ph || w.KW > pw {
		panic(fmt.Sprintf("autograd: NewPatches: a %+v window over a %+v image", w, in))
	}
	p := &Patches{In: in, Window: w, OutH: (ph-w.KH)/w.Stride + 1, OutW: (pw-w.KW)/w.Stride + 1}
	p.idx = make([]int, 0, p.OutH*p.OutW*p.Len())
	zero := in.Size()
	for oy := 0; oy < p.OutH; oy++ {
		for ox := 0; ox < p.OutW; ox++ {
			for dy := 0; dy < w.KH; dy++ {
				for dx := 0; dx < w.KW; dx++ {
					y, x := oy*w.Stride+dy-w.Pad, ox*w.Stride+dx-w.Pad
					for c := 0; c < in.C; c++ {
						if y < 0 || y >= in.H || x < 0 || x >= in.W {
							p.idx = append(p.idx, zero)
						} else {
							p.idx = append(p.idx, (y*in.W+x)*in.C+c)
						}
					}
				}
			}
		}
	}
	return p
}

// Len is the number of values in one patch, KH·KW·C.
func (p *Patches) Len() int { return p.Window.KH * p.Window.KW * p.In.C }

// Positions is the number of window positions per image, OutH·OutW.
func (p *Patches) Positions() int { return p.OutH * p.OutW }

// Out is the layout of a convolution's output with f filters.
func (p *Patches) Out(f int) Image { return Image{p.OutH, p.OutW, f} }

// MaxPool returns, for the B images of layout in in the rows of x, the
// maximum of each channel over non-overlapping size×size windows, as a
// B×in.Pooled(size).Size() batch; rows and columns past the last whole
// window are dropped, as PyTorch's MaxPool2d does. The first maximum of a
// window (in row-major window order) is taken; a NaN in a window is
// passed on rather than hidden. The result is a GatherInRows of the
// chosen elements, so the gradient flows to exactly those elements.
func (g *Graph) MaxPool(x *Node, in Image, size int) *Node {
	if x.Value.C != in.Size() {
		panic(fmt.Sprintf("autograd: MaxPool: rows of %d values for %+v images", x.Value.C, in))
	}
	out := in.Pooled(size)
	if size < 1 || out.H < 1 || out.W < 1 {
		panic(fmt.Sprintf("autograd: MaxPool: %d×%d windows over a %+v image", size, size, in))
	}
	g.mustBeOnHost("MaxPool", x)
	cols, rowLen := out.Size(), in.W*in.C
	idx := make([]int, x.Value.R*cols)
	vals := g.be.NewUninit(x.Value.R, cols)
	for i := 0; i < x.Value.R; i++ {
		xi, ii, vi := x.Value.Row(i), idx[i*cols:(i+1)*cols], vals.Row(i)
		for p := 0; p < out.H*out.W; p++ {
			// The channels of one output pixel, compared a window element
			// at a time: every run is contiguous in memory.
			oy, ox := p/out.W, p%out.W
			first := (oy*size*in.W + ox*size) * in.C
			best, bestV := ii[p*in.C:][:in.C], vi[p*in.C:][:in.C]
			copy(bestV, xi[first:first+in.C])
			for c := range best {
				best[c] = first + c
			}
			for dy := 0; dy < size; dy++ {
				for dx := 0; dx < size; dx++ {
					at := first + dy*rowLen + dx*in.C
					for c, v := range xi[at : at+in.C] {
						if b := bestV[c]; v > b || v != v && b == b {
							best[c], bestV[c] = at+c, v
						}
					}
				}
			}
		}
	}
	// The node GatherInRows(x, idx, cols) would make, its values already
	// found by the search.
	n := g.op(opGatherInRows, vals, x, nil)
	n.idx = idx
	return n
}
