package data

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Images are stored channel-major (an N×C×H×W .npy file, StackedMNIST's
// rows: all of channel 0, then channel 1, …) and modelled pixel-major:
// the autograd.Image layout, H×W×C with the channels of a pixel together.
// These two functions move between them, once per data set.

// ToImageRows returns the N images of x (rows of C·H·W values,
// channel-major) in the autograd.Image layout, with pad pixels of value
// fill added on every side (MNIST's 28×28 digits become 32×32 with
// pad 2).
func ToImageRows(x *tensor.Dense, c, h, w, pad int, fill tensor.Float) (*tensor.Dense, autograd.Image, error) {
	if c < 1 || h < 1 || w < 1 || pad < 0 || x.C != c*h*w {
		return nil, autograd.Image{}, fmt.Errorf("rows of %d values are not %d×%d×%d images (padding %d)", x.C, c, h, w, pad)
	}
	im := autograd.Image{H: h + 2*pad, W: w + 2*pad, C: c}
	out := tensor.New(x.R, im.Size())
	for i := range x.R {
		src, dst := x.Row(i), out.Row(i)
		if fill != 0 {
			for j := range dst {
				dst[j] = fill
			}
		}
		for ch := range c {
			for y := range h {
				for xx := range w {
					dst[((y+pad)*im.W+xx+pad)*c+ch] = src[(ch*h+y)*w+xx]
				}
			}
		}
	}
	return out, im, nil
}

// FromImageRows is the inverse of ToImageRows: the images of x (rows in
// the layout im) with crop pixels removed from every side, channel-major.
func FromImageRows(x *tensor.Dense, im autograd.Image, crop int) (*tensor.Dense, error) {
	h, w := im.H-2*crop, im.W-2*crop
	if x.C != im.Size() || crop < 0 || h < 1 || w < 1 {
		return nil, fmt.Errorf("rows of %d values are not %dx%dx%d images to crop by %d", x.C, im.H, im.W, im.C, crop)
	}
	out := tensor.New(x.R, im.C*h*w)
	for i := range x.R {
		src, dst := x.Row(i), out.Row(i)
		for ch := range im.C {
			for y := range h {
				for xx := range w {
					dst[(ch*h+y)*w+xx] = src[((y+crop)*im.W+xx+crop)*im.C+ch]
				}
			}
		}
	}
	return out, nil
}
