package autograd

import "fmt"

// Resampler is a fixed linear resampling of images in the Image layout
// (pooling, upsampling, FIR filtering), channel by channel: a ColMap from
// In.Size() to Out.Size() values per row. Build one per layer, as the map
// is computed once; Graph.Resample applies it.
type Resampler struct {
	Name    string
	In, Out Image
	m       *ColMap
}

// Resample applies r to the B images in the rows of x, giving a
// B×r.Out.Size() batch. As a constant linear map its backward is the
// transposed map, so derivatives of every order are exact.
func (g *Graph) Resample(x *Node, r *Resampler) *Node {
	if x.Value.C != r.In.Size() {
		panic(fmt.Sprintf("autograd: %s: rows of %d values for %+v images", r.Name, x.Value.C, r.In))
	}
	return g.MapCols(x, r.m)
}

// AvgPool2 averages non-overlapping 2×2 windows (DDPM++'s downsampling);
// a last odd row or column is dropped, as PyTorch's avg_pool2d does.
func AvgPool2(in Image) *Resampler {
	return separable("AvgPool2", in, tap1D{{0, 0.5}, {1, 0.5}}, 1, 2, 0, 0)
}

// Upsample2 repeats every pixel into a 2×2 block (nearest-neighbour ×2,
// DDPM++'s upsampling).
func Upsample2(in Image) *Resampler {
	return separable("Upsample2", in, tap1D{{0, 1}, {1, 1}}, 2, 1, 1, 0)
}

// firKernel is NCSN++'s resampling filter [1, 3, 3, 1]/8 per axis.
var firKernel = tap1D{{0, 1.0 / 8}, {1, 3.0 / 8}, {2, 3.0 / 8}, {3, 1.0 / 8}}

// FIRDown2 halves each side with NCSN++'s FIR filter and zeros outside the
// image: y[i] = Σ_j k_j·x[2i+j−1], k = [1, 3, 3, 1]/8 along each axis.
func FIRDown2(in Image) *Resampler { return separable("FIRDown2", in, firKernel, 1, 2, 1, 1) }

// FIRUp2 doubles each side with NCSN++'s FIR filter (gain 4 in 2-D):
// y[2i] = (x[i−1] + 3x[i])/4 and y[2i+1] = (3x[i] + x[i+1])/4 along each
// axis, zeros outside the image.
func FIRUp2(in Image) *Resampler {
	return separable("FIRUp2", in, firKernel.scaled(2), 2, 1, 2, 1)
}

// FIRBlur filters with NCSN++'s FIR kernel, padded by 2 on every side:
// the (H+1)×(W+1) image the input pyramid's stride-2 convolution reads.
func FIRBlur(in Image) *Resampler { return separable("FIRBlur", in, firKernel, 1, 1, 2, 2) }

// tap1D is a 1-D filter: weight w at offset t.
type tap1D []struct {
	t int
	w float64
}

func (k tap1D) scaled(c float64) tap1D {
	s := make(tap1D, len(k))
	for i, tp := range k {
		s[i].t, s[i].w = tp.t, tp.w*c
	}
	return s
}

// upfirdn returns the 1-D map of upfirdn along an axis of n pixels:
// upsample by up (zeros between samples), pad with p0 zeros before and p1
// after, correlate with k (whose taps are offsets 0…len−1), keep every
// down-th output. Terms are (from, to, weight).
func upfirdn(n int, k tap1D, up, down, p0, p1 int) (out int, terms [][3]float64) {
	span := 0
	for _, tp := range k {
		span = max(span, tp.t+1)
	}
	if n*up+p0+p1 < span {
		return 0, nil
	}
	out = (n*up+p0+p1-span)/down + 1
	for o := 0; o < out; o++ {
		for _, tp := range k {
			q := o*down + tp.t - p0 // position in the upsampled signal
			if q < 0 || q%up != 0 || q/up >= n {
				continue
			}
			terms = append(terms, [3]float64{float64(q / up), float64(o), tp.w})
		}
	}
	return out, terms
}

// separable builds the 2-D resampling that applies the 1-D upfirdn along
// rows and along columns, channel by channel.
func separable(name string, in Image, k tap1D, up, down, p0, p1 int) *Resampler {
	oh, th := upfirdn(in.H, k, up, down, p0, p1)
	ow, tw := upfirdn(in.W, k, up, down, p0, p1)
	if in.H < 1 || in.W < 1 || in.C < 1 || oh < 1 || ow < 1 {
		panic(fmt.Sprintf("autograd: %s of a %+v image", name, in))
	}
	out := Image{H: oh, W: ow, C: in.C}
	terms := make([]ColTerm, 0, len(th)*len(tw)*in.C)
	for _, a := range th {
		for _, b := range tw {
			from := (int(a[0])*in.W + int(b[0])) * in.C
			to := (int(a[1])*ow + int(b[1])) * in.C
			for c := 0; c < in.C; c++ {
				terms = append(terms, ColTerm{From: from + c, To: to + c, W: a[2] * b[2]})
			}
		}
	}
	return &Resampler{Name: name, In: in, Out: out, m: NewColMap(in.Size(), out.Size(), terms)}
}
