package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// channelBlocks describes a ColMap that group normalisation builds
// (NewGroups) by its structure rather than its terms: images of pixels
// positions of C channels (channels last), the channels in blocks of per
// neighbours, and one weight w. A reducing map sums each image's block
// over every position, out[b] = w·Σ_p Σ_{c in b} x[p·C + c]; a spreading
// map is its transpose, out[p·C + c] = w·x[c/per]. The CPU computes them
// as streaming sums and copies, several times faster than through the
// term lists, which other backends use; the two agree to rounding (the
// sums are taken in another order).
type channelBlocks struct {
	pixels, C, per int
	w              tensor.Float
	reduce         bool
}

// transposed is the description of the transposed map.
func (b *channelBlocks) transposed() *channelBlocks {
	t := *b
	t.reduce = !b.reduce
	return &t
}

// mapRows is mapCols for a map of this structure, on rows [lo, hi).
func (b *channelBlocks) mapRows(out, x *tensor.Dense, lo, hi int) {
	var buf [512]tensor.Float // the channel sums, on the stack for C ≤ 512
	acc := buf[:0]
	if b.reduce {
		if b.C <= len(buf) {
			acc = buf[:b.C]
		} else {
			acc = make([]tensor.Float, b.C)
		}
	}
	for i := lo; i < hi; i++ {
		o, xi := out.Row(i), x.Row(i)
		if b.reduce {
			clear(acc)
			for p := range b.pixels {
				// A plain loop keeps acc on the stack (tensor.AddTo's
				// kernel is a function value, which makes it escape).
				for c, v := range xi[p*b.C : (p+1)*b.C] {
					acc[c] += v
				}
			}
			for k := range o {
				var s tensor.Float
				for _, v := range acc[k*b.per : (k+1)*b.per] {
					s += v
				}
				o[k] = b.w * s
			}
			continue
		}
		first := o[:b.C]
		for c := range first {
			first[c] = b.w * xi[c/b.per]
		}
		for filled := b.C; filled < len(o); filled *= 2 {
			copy(o[filled:], o[:filled])
		}
	}
}
