package autograd

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// CPU is the host Backend: values in Go slices, step memory from an arena.
type CPU struct {
	arena tensor.Arena
	runs  []colRun // colRuns' buffer, kept for reuse
}

// NewCPU returns a host backend.
func NewCPU() *CPU { return &CPU{} }

func (c *CPU) NewUninit(r, cols int) *tensor.Dense { return c.arena.NewUninit(r, cols) }
func (c *CPU) Reset()                              { c.arena.Reset() }

// New clears a large matrix on every processor: a scatter's or a
// padding's output (a convolution's, 16 MB) is cleared at memory speed
// rather than one core's.
func (c *CPU) New(r, cols int) *tensor.Dense {
	d := c.arena.NewUninit(r, cols)
	if !worthSplitting(len(d.Data), 1) {
		clear(d.Data)
		return d
	}
	inParallel(len(d.Data), func(lo, hi int) { clear(d.Data[lo:hi]) })
	return d
}

// StepElements is the number of elements the step memory holds: the
// largest step so far, kept for reuse after Reset.
func (c *CPU) StepElements() int { return c.arena.Held() }

func (c *CPU) Alloc(r, cols int) *tensor.Dense { return tensor.New(r, cols) }

func (c *CPU) View(x *tensor.Dense, r, cols int) *tensor.Dense {
	if !c.arena.Holds(x.Data) {
		return tensor.FromSlice(r, cols, x.Data)
	}
	// A view of step memory lives no longer than it: its header comes
	// from the step too, as the matrices' own do.
	d := c.arena.View(x.Data)
	d.R, d.C = r, cols
	if r*cols != len(x.Data) {
		panic(fmt.Sprintf("autograd: CPU.View of %d values as %d×%d", len(x.Data), r, cols))
	}
	return d
}

func (c *CPU) Upload(dst, src *tensor.Dense)   { dst.CopyFrom(src) }
func (c *CPU) Download(dst, src *tensor.Dense) { dst.CopyFrom(src) }
func (c *CPU) Copy(dst, src *tensor.Dense)     { dst.CopyFrom(src) }
func (c *CPU) Fill(dst *tensor.Dense, v tensor.Float) {
	dst.Fill(v)
}

func (c *CPU) Gemm(transA, transB bool, a, b, out *tensor.Dense) {
	tensor.Gemm(transA, transB, 1, a, b, 0, out)
}

func (c *CPU) GemmBatched(transA, transB bool, batch int, a, b, out *tensor.Dense) {
	for i := range batch {
		tensor.Gemm(transA, transB, 1, block(a, batch, i), block(b, batch, i), 0, block(out, batch, i))
	}
}

// block returns block i of the batch matrices stacked by rows in host
// matrix x, sharing x's storage.
func block(x *tensor.Dense, batch, i int) *tensor.Dense {
	r := x.R / batch
	return tensor.FromSlice(r, x.C, x.Data[i*r*x.C:(i+1)*r*x.C])
}

func (c *CPU) Binary(op BinaryOp, out, a, b *tensor.Dense) {
	tensor.MustSameShape("Binary", a, b)
	tensor.MustSameShape("Binary", out, a)
	if !worthSplitting(len(a.Data), 1) {
		binaryRange(op, out.Data[:len(a.Data)], a.Data, b.Data[:len(a.Data)])
		return
	}
	inParallel(len(a.Data), func(lo, hi int) { binaryRange(op, out.Data[lo:hi], a.Data[lo:hi], b.Data[lo:hi]) })
}

// binaryRange is Binary on slices of equal length.
func binaryRange(op BinaryOp, o, ad, bd []tensor.Float) {
	switch op {
	case OpAdd:
		tensor.Add(o, ad, bd)
	case OpSub:
		tensor.Sub(o, ad, bd)
	case OpMul:
		tensor.Mul(o, ad, bd)
	}
}

func (c *CPU) Unary(op UnaryOp, out, x *tensor.Dense, p tensor.Float) {
	tensor.MustSameShape("Unary", out, x)
	if int(op) >= len(UnaryOps) {
		panic(fmt.Sprintf("autograd: CPU.Unary: unknown operation %v", op))
	}
	if !worthSplitting(len(x.Data), 1) {
		unaryRange(op, out.Data[:len(x.Data)], x.Data, p)
		return
	}
	inParallel(len(x.Data), func(lo, hi int) { unaryRange(op, out.Data[lo:hi], x.Data[lo:hi], p) })
}

// unaryRange is Unary on the slices o and xs of equal length.
func unaryRange(op UnaryOp, o, xs []tensor.Float, p tensor.Float) {
	switch op {
	case OpScale:
		for i, v := range xs {
			o[i] = p * v
		}
	case OpAddConst:
		for i, v := range xs {
			o[i] = v + p
		}
	case OpSquare:
		for i, v := range xs {
			o[i] = v * v
		}
	case OpExp:
		for i, v := range xs {
			o[i] = tensor.Float(math.Exp(float64(v)))
		}
	case OpLog:
		for i, v := range xs {
			o[i] = tensor.Float(math.Log(float64(v)))
		}
	case OpPow:
		for i, v := range xs {
			o[i] = tensor.Float(math.Pow(float64(v), float64(p)))
		}
	case OpSin:
		for i, v := range xs {
			o[i] = tensor.Float(math.Sin(float64(v)))
		}
	case OpCos:
		for i, v := range xs {
			o[i] = tensor.Float(math.Cos(float64(v)))
		}
	case OpTanh:
		for i, v := range xs {
			o[i] = tensor.Float(math.Tanh(float64(v)))
		}
	case OpSigmoid:
		tensor.Sigmoid(o, xs)
	case OpSiLU:
		tensor.SiLU(o, xs)
	case OpSiLUGrad, OpSiLUGrad2:
		siluGrads(op, o, xs) // silugrad.go
	}
}

func (c *CPU) RowBinary(op BinaryOp, out, x, row *tensor.Dense) {
	if !worthSplitting(x.R, x.C) {
		rowBinary(op, out, x, row, 0, x.R)
		return
	}
	inParallelRows(x.R, x.C, func(lo, hi int) { rowBinary(op, out, x, row, lo, hi) })
}

// rowBinary is RowBinary on rows [lo, hi).
func rowBinary(op BinaryOp, out, x, row *tensor.Dense, lo, hi int) {
	for i := lo; i < hi; i++ {
		binaryRange(op, out.Row(i), x.Row(i), row.Data)
	}
}

func (c *CPU) ColMul(out, x, col *tensor.Dense) {
	for i := 0; i < x.R; i++ {
		o, s := out.Row(i), col.Data[i]
		for j, v := range x.Row(i) {
			o[j] = v * s
		}
	}
}

func (c *CPU) ColMulSum(out *tensor.Dense, xs, cols []*tensor.Dense) {
	if len(xs) == 0 || len(xs) > MaxColMulSumTerms || len(cols) != len(xs) {
		panic(fmt.Sprintf("autograd: CPU.ColMulSum of %d matrices and %d columns", len(xs), len(cols)))
	}
	for k, x := range xs {
		tensor.MustSameShape("ColMulSum", out, x)
		if cols[k].R != x.R || cols[k].C != 1 {
			panic(fmt.Sprintf("autograd: CPU.ColMulSum: column %v for %v", cols[k], x))
		}
	}
	// Each product rounded, then added in order, as Add(MulCol, MulCol, …)
	// computes them (the conversion keeps the compiler from fusing a
	// multiply-add). Every element is read before it is written, so out
	// may alias an input.
	for i := 0; i < out.R; i++ {
		o := out.Row(i)
		for j := range o {
			v := tensor.Float(xs[0].Data[i*out.C+j] * cols[0].Data[i])
			for k := 1; k < len(xs); k++ {
				v += tensor.Float(xs[k].Data[i*out.C+j] * cols[k].Data[i])
			}
			o[j] = v
		}
	}
}

func (c *CPU) SumRows(out, x *tensor.Dense) {
	for i := 0; i < x.R; i++ {
		var s tensor.Float
		for _, v := range x.Row(i) {
			s += v
		}
		out.Data[i] = s
	}
}

func (c *CPU) SumCols(out, x *tensor.Dense) {
	clear(out.Data)
	for i := 0; i < x.R; i++ {
		tensor.AddTo(out.Data, x.Row(i))
	}
}

func (c *CPU) SumAll(out, x *tensor.Dense) {
	var s tensor.Float
	for _, v := range x.Data {
		s += v
	}
	out.Data[0] = s
}

func (c *CPU) GaussianLogPDF(out, x, mean, logVar *tensor.Dense) {
	tensor.MustSameShape("GaussianLogPDF", x, mean)
	tensor.MustSameShape("GaussianLogPDF", x, logVar)
	if out.R != x.R || out.C != 1 {
		panic(fmt.Sprintf("autograd: CPU.GaussianLogPDF into %v for %v", out, x))
	}
	// The operations and rounding of the composite −½·SumRows((x−mean)²·
	// e^(−logVar) + logVar + log 2π), element by element.
	log2Pi := tensor.Float(math.Log(2 * math.Pi))
	for i := 0; i < x.R; i++ {
		m, lv := mean.Row(i), logVar.Row(i)
		var s tensor.Float
		for j, v := range x.Row(i) {
			d := v - m[j]
			quad := tensor.Float(d * d * tensor.Float(math.Exp(float64(-lv[j]))))
			s += quad + lv[j] + log2Pi
		}
		out.Data[i] = -0.5 * s
	}
}

func (c *CPU) BroadcastRows(out, row *tensor.Dense) {
	for i := 0; i < out.R; i++ {
		copy(out.Row(i), row.Data)
	}
}

func (c *CPU) BroadcastCols(out, col *tensor.Dense) {
	for i := 0; i < out.R; i++ {
		o, v := out.Row(i), col.Data[i]
		for j := range o {
			o[j] = v
		}
	}
}

func (c *CPU) BroadcastAll(out, s *tensor.Dense) {
	v := s.Data[0]
	if !worthSplitting(len(out.Data), 1) {
		fill(out.Data, v)
		return
	}
	inParallel(len(out.Data), func(lo, hi int) { fill(out.Data[lo:hi], v) })
}

func (c *CPU) MaskedScale(out, v, ref, slope *tensor.Dense) {
	tensor.MaskedScale(out.Data, v.Data, ref.Data, slope.Data[0])
}

func (c *CPU) ZeroWherePositive(out, w, ref *tensor.Dense) {
	tensor.ZeroWherePositive(out.Data, w.Data, ref.Data)
}

func (c *CPU) CopyCols(dst *tensor.Dense, dstCol int, src *tensor.Dense, srcCol, width int) {
	if !worthSplitting(dst.R, width) {
		copyCols(dst, dstCol, src, srcCol, width, 0, dst.R)
		return
	}
	inParallelRows(dst.R, width, func(lo, hi int) { copyCols(dst, dstCol, src, srcCol, width, lo, hi) })
}

// copyCols is CopyCols on rows [lo, hi).
func copyCols(dst *tensor.Dense, dstCol int, src *tensor.Dense, srcCol, width, lo, hi int) {
	for i := lo; i < hi; i++ {
		copy(dst.Row(i)[dstCol:dstCol+width], src.Row(i)[srcCol:srcCol+width])
	}
}

func (c *CPU) GatherRows(out, x *tensor.Dense, idx []int) {
	for i, k := range idx {
		copy(out.Row(i), x.Row(k))
	}
}

func (c *CPU) ScatterRows(out, x *tensor.Dense, idx []int) {
	for i, k := range idx {
		o := out.Row(k)
		for j, v := range x.Row(i) {
			o[j] += v
		}
	}
}

func (c *CPU) GatherCols(out, x *tensor.Dense, idx []int) {
	runs, ok := c.colRuns(idx)
	switch {
	case !worthSplitting(out.R, len(idx)) && ok:
		gatherColRuns(out, x, runs, 0, out.R)
	case !worthSplitting(out.R, len(idx)):
		gatherCols(out, x, idx, 0, out.R)
	case ok:
		inParallelRows(out.R, len(idx), func(lo, hi int) { gatherColRuns(out, x, runs, lo, hi) })
	default:
		inParallelRows(out.R, len(idx), func(lo, hi int) { gatherCols(out, x, idx, lo, hi) })
	}
}

func gatherCols(out, x *tensor.Dense, idx []int, lo, hi int) {
	for i := lo; i < hi; i++ {
		o, xi := out.Row(i), x.Row(i)
		for j, k := range idx {
			o[j] = xi[k]
		}
	}
}

func gatherColRuns(out, x *tensor.Dense, runs []colRun, lo, hi int) {
	for i := lo; i < hi; i++ {
		o, xi := out.Row(i), x.Row(i)
		for _, r := range runs {
			dst := o[r.at : r.at+r.n]
			if r.repeat {
				fill(dst, xi[r.from])
				continue
			}
			copy(dst, xi[r.from:r.from+r.n])
		}
	}
}

// fill sets every element of dst to v, clearing (which is vectorised)
// when v is +0: a convolution's zero padding.
func fill(dst []tensor.Float, v tensor.Float) {
	if v == 0 && !math.Signbit(float64(v)) {
		clear(dst)
		return
	}
	for j := range dst {
		dst[j] = v
	}
}

func (c *CPU) ScatterCols(out, x *tensor.Dense, idx []int) {
	runs, ok := c.colRuns(idx)
	switch {
	case !worthSplitting(x.R, len(idx)) && ok:
		scatterColRuns(out, x, runs, 0, x.R)
	case !worthSplitting(x.R, len(idx)):
		scatterCols(out, x, idx, 0, x.R)
	case ok:
		inParallelRows(x.R, len(idx), func(lo, hi int) { scatterColRuns(out, x, runs, lo, hi) })
	default:
		inParallelRows(x.R, len(idx), func(lo, hi int) { scatterCols(out, x, idx, lo, hi) })
	}
}

func scatterCols(out, x *tensor.Dense, idx []int, lo, hi int) {
	for i := lo; i < hi; i++ {
		o, xi := out.Row(i), x.Row(i)
		for j, k := range idx {
			o[k] += xi[j]
		}
	}
}

// scatterColRuns is scatterCols run by run. Runs are in the order of
// idx, so every output element receives its terms in the same order and
// the sums are the same.
func scatterColRuns(out, x *tensor.Dense, runs []colRun, lo, hi int) {
	for i := lo; i < hi; i++ {
		o, xi := out.Row(i), x.Row(i)
		for _, r := range runs {
			src := xi[r.at : r.at+r.n]
			if r.repeat {
				s := o[r.from]
				for _, v := range src {
					s += v
				}
				o[r.from] = s
				continue
			}
			tensor.AddTo(o[r.from:r.from+r.n], src)
		}
	}
}

// A colRun is a stretch of a GatherCols or ScatterCols index list: its
// columns [at, at+n) go with columns [from, from+n) of the other side of
// the gather, or all with column from if repeat. An image's patches are
// made of such runs, a pixel's channels at a time.
type colRun struct {
	at, from, n int
	repeat      bool
}

// minColRun is the average run length below which moving columns run by
// run gains too little over indexing them one by one.
const minColRun = 8

// colRuns splits idx into runs, reusing the CPU's buffer, or reports
// that its runs are too short to be worth it; it gives up after reading
// about len(idx)/minColRun indices of a list without runs.
func (c *CPU) colRuns(idx []int) ([]colRun, bool) {
	runs := c.runs[:0]
	for j := 0; j < len(idx); {
		if len(runs) >= len(idx)/minColRun {
			c.runs = runs // grown, for the next call not to grow it again
			return nil, false
		}
		r := colRun{at: j, from: idx[j], n: 1}
		step := 1
		if j+1 < len(idx) && idx[j+1] == idx[j] {
			r.repeat, step = true, 0
		}
		for j+r.n < len(idx) && idx[j+r.n] == idx[j+r.n-1]+step {
			r.n++
		}
		runs = append(runs, r)
		j += r.n
	}
	c.runs = runs
	return runs, true
}

func (c *CPU) MapCols(out, x *tensor.Dense, m *ColMap) {
	if !worthSplitting(out.R, len(m.Src)) {
		mapRows(out, x, m, 0, out.R)
		return
	}
	inParallelRows(out.R, len(m.Src), func(lo, hi int) { mapRows(out, x, m, lo, hi) })
}

// mapRows is MapCols on rows [lo, hi): from the map's structure where
// it has one (blocks.go), else from its terms.
func mapRows(out, x *tensor.Dense, m *ColMap, lo, hi int) {
	if m.blocks != nil {
		m.blocks.mapRows(out, x, lo, hi)
		return
	}
	mapCols(out, x, m, lo, hi)
}

// mapCols is MapCols from the terms, on rows [lo, hi).
func mapCols(out, x *tensor.Dense, m *ColMap, lo, hi int) {
	for i := lo; i < hi; i++ {
		o, xi := out.Row(i), x.Row(i)
		for k := range o {
			var s tensor.Float
			for p := m.Off[k]; p < m.Off[k+1]; p++ {
				s += m.W[p] * xi[m.Src[p]]
			}
			o[k] = s
		}
	}
}

func (c *CPU) MaxRows(out, x *tensor.Dense) {
	for i := 0; i < x.R; i++ {
		m := tensor.Float(math.Inf(-1))
		for _, v := range x.Row(i) {
			m = max(m, v)
		}
		out.Data[i] = m
	}
}

func (c *CPU) GatherInRows(out, x *tensor.Dense, idx []int) {
	n := out.C
	for i := 0; i < out.R; i++ {
		o, xi := out.Row(i), x.Row(i)
		for j, k := range idx[i*n : (i+1)*n] {
			o[j] = xi[k]
		}
	}
}

func (c *CPU) ScatterInRows(out, x *tensor.Dense, idx []int) {
	n := x.C
	for i := 0; i < x.R; i++ {
		o, xi := out.Row(i), x.Row(i)
		for j, k := range idx[i*n : (i+1)*n] {
			o[k] += xi[j]
		}
	}
}

func (c *CPU) Normal(dst *tensor.Dense, seed uint64) {
	for i := 0; i < len(dst.Data); i += 2 {
		a, b := NormalPair(seed, uint64(i/2))
		dst.Data[i] = tensor.Float(a)
		if i+1 < len(dst.Data) {
			dst.Data[i+1] = tensor.Float(b)
		}
	}
}

func (c *CPU) Lerp(dst, src *tensor.Dense, t, scale tensor.Float) {
	tensor.MustSameShape("Lerp", dst, src)
	for i, v := range src.Data {
		dst.Data[i] = (1-t)*dst.Data[i] + t*scale*v
	}
}

func (c *CPU) Adam(w, g, m, v *tensor.Dense, stepSize, beta1, beta2, invSqrtC2, eps tensor.Float) {
	tensor.Adam(w.Data, g.Data, m.Data, v.Data, stepSize, beta1, beta2, invSqrtC2, eps)
}

// NormalPair returns the standard normal values number 2·pair and
// 2·pair+1 of the stream seed: the Box–Muller transform of two SplitMix64
// outputs at counters 2·pair and 2·pair+1. Being a function of (seed,
// counter) rather than of a sequential state, it is what a GPU thread can
// compute for any element independently, and the CPU and GPU backends
// draw the same numbers from the same seed (kernels/random.cu).
func NormalPair(seed, pair uint64) (float64, float64) {
	h1 := splitMix64(seed + (2*pair+1)*golden)
	h2 := splitMix64(seed + (2*pair+2)*golden)
	u1 := (float64(h1>>11) + 1) * 0x1p-53 // (0, 1]: log is finite
	u2 := float64(h2>>11) * 0x1p-53
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	return r * c, r * s
}

const golden = 0x9E3779B97F4A7C15

// splitMix64 is SplitMix64's output function (Steele, Lea and Flood 2014).
func splitMix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// parallelElements is the work (elements touched) below which an
// operation stays on the calling goroutine: starting another costs about
// a microsecond, and the toy networks' matrices (200×300) stay below it,
// so their steps allocate nothing here.
const parallelElements = 1 << 16

// splits is the number of goroutines that share rows of cols elements of
// work: one per available processor, none idle for want of work.
func splits(rows, cols int) int {
	return min(runtime.GOMAXPROCS(0), rows*max(cols, 1)/parallelElements, rows)
}

// worthSplitting reports whether rows of cols elements of work are worth
// more than one goroutine. Callers test it before building the closure
// inParallel takes, which would otherwise allocate on every call.
func worthSplitting(rows, cols int) bool { return splits(rows, cols) > 1 }

// inParallel runs f over [0, n) split into contiguous ranges, one per
// available processor (see splits). Each element is computed as it would
// be serially, so results do not depend on the split.
func inParallel(n int, f func(lo, hi int)) { inParallelRows(n, 1, f) }

// inParallelRows is inParallel over rows of cols elements of work each.
func inParallelRows(rows, cols int, f func(lo, hi int)) {
	parts := splits(rows, cols)
	if parts <= 1 {
		f(0, rows)
		return
	}
	var wg sync.WaitGroup
	wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		go func() {
			defer wg.Done()
			f(p*rows/parts, (p+1)*rows/parts)
		}()
	}
	f(0, rows/parts)
	wg.Wait()
}

// sigmoid is 1/(1 + e⁻ˣ) in float64 without overflow in either branch.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
