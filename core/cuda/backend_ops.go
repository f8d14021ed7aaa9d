package cuda

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The computing methods of Backend: each checks shapes (a mismatch
// panics), does nothing once an error is recorded, and queues its kernels.

// ---- copies

// Upload copies the host matrix src into the device matrix dst.
func (b *Backend) Upload(dst, src *tensor.Dense) {
	mustSame("Upload", dst, src)
	b.mustDevice("Upload", dst)
	n := dst.R * dst.C
	if len(src.Data) < n {
		panic(fmt.Sprintf("cuda: Backend.Upload: source %d×%d has %d values", src.R, src.C, len(src.Data)))
	}
	if b.failed() || n == 0 {
		return
	}
	b.fail(b.rt.CopyHtoD(dev(dst), unsafe.Pointer(&src.Data[0]), n*elemSize))
	runtime.KeepAlive(src.Data)
}

// Download copies the device matrix src into the host matrix dst, after
// the work queued before it; the errors of that work surface here (see
// Err). After an error dst is left as it was.
func (b *Backend) Download(dst, src *tensor.Dense) {
	mustSame("Download", dst, src)
	b.mustDevice("Download", src)
	n := src.R * src.C
	if len(dst.Data) < n {
		panic(fmt.Sprintf("cuda: Backend.Download: destination %d×%d has %d values", dst.R, dst.C, len(dst.Data)))
	}
	if b.failed() || n == 0 {
		return
	}
	b.fail(b.rt.CopyDtoH(unsafe.Pointer(&dst.Data[0]), dev(src), n*elemSize))
	runtime.KeepAlive(dst.Data)
}

// Copy copies src into dst within the device.
func (b *Backend) Copy(dst, src *tensor.Dense) {
	mustSame("Copy", dst, src)
	b.mustDevice("Copy", dst, src)
	n := dst.R * dst.C
	if b.failed() || n == 0 || dst.Dev == src.Dev {
		return
	}
	b.fail(b.rt.CopyDtoD(dev(dst), dev(src), n*elemSize))
}

// Fill sets every element of dst to v.
func (b *Backend) Fill(dst *tensor.Dense, v tensor.Float) {
	b.mustDevice("Fill", dst)
	b.fill(dst, v)
}

// ---- products and element-wise operations

// Gemm sets c = op(a)·op(b) through the runtime's GemmPtr.
func (b *Backend) Gemm(transA, transB bool, a, bm, c *tensor.Dense) {
	m, n, k := tensor.GemmDims("cuda: Backend.Gemm", transA, transB, a, bm, c)
	b.mustDevice("Gemm", a, bm, c)
	if b.failed() || m == 0 || n == 0 {
		return
	}
	if k == 0 {
		b.fill(c, 0)
		return
	}
	b.fail(b.rt.GemmPtr(transA, transB, m, n, k, 1, dev(a), dev(bm), 0, dev(c)))
}

// GemmBatched does Gemm for each of batch matrices stacked by rows, one
// GemmPtr per block.
func (b *Backend) GemmBatched(transA, transB bool, batch int, a, bm, c *tensor.Dense) {
	if batch < 1 || a.R%batch != 0 || bm.R%batch != 0 || c.R%batch != 0 {
		panic(fmt.Sprintf("cuda: Backend.GemmBatched: %d×%d, %d×%d and %d×%d in %d blocks", a.R, a.C, bm.R, bm.C, c.R, c.C, batch))
	}
	block := func(x *tensor.Dense) *tensor.Dense { return &tensor.Dense{R: x.R / batch, C: x.C} }
	m, n, k := tensor.GemmDims("cuda: Backend.GemmBatched", transA, transB, block(a), block(bm), block(c))
	b.mustDevice("GemmBatched", a, bm, c)
	if b.failed() || m == 0 || n == 0 {
		return
	}
	if k == 0 {
		b.fill(c, 0)
		return
	}
	step := func(x *tensor.Dense, i int) Ptr { return dev(x) + Ptr(i*(x.R/batch)*x.C*elemSize) }
	for i := 0; i < batch && !b.failed(); i++ {
		b.fail(b.rt.GemmPtr(transA, transB, m, n, k, 1, step(a, i), step(bm, i), 0, step(c, i)))
	}
}

// Binary sets out = a ∘ b; out may alias a or b.
func (b *Backend) Binary(op autograd.BinaryOp, out, a, bm *tensor.Dense) {
	mustSame("Binary", a, bm)
	mustSame("Binary", a, out)
	b.mustDevice("Binary", out, a, bm)
	mustBinaryOp("Binary", op)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kBinary, blocks(n), n, int(op), dev(a), dev(bm), dev(out))
}

func mustBinaryOp(name string, op autograd.BinaryOp) {
	if int(op) >= len(autograd.BinaryOps) {
		panic(fmt.Sprintf("cuda: Backend.%s: unknown operation %d", name, op))
	}
}

// Unary sets out = f(x); out may alias x.
func (b *Backend) Unary(op autograd.UnaryOp, out, x *tensor.Dense, p tensor.Float) {
	mustSame("Unary", x, out)
	b.mustDevice("Unary", out, x)
	if int(op) >= len(autograd.UnaryOps) {
		panic(fmt.Sprintf("cuda: Backend.Unary: unknown operation %v", op))
	}
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kUnary, blocks(n), n, int(op), p, dev(x), dev(out))
}

// RowBinary sets out = x ∘ row, the 1×C row applied to every row of x.
func (b *Backend) RowBinary(op autograd.BinaryOp, out, x, row *tensor.Dense) {
	mustSame("RowBinary", x, out)
	mustShape("RowBinary", row, 1, x.C)
	b.mustDevice("RowBinary", out, x, row)
	mustBinaryOp("RowBinary", op)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kRowBinary, blocks(n), x.R, x.C, int(op), dev(x), dev(row), dev(out))
}

// ColMul scales row i of x by col[i].
func (b *Backend) ColMul(out, x, col *tensor.Dense) {
	mustSame("ColMul", x, out)
	mustShape("ColMul", col, x.R, 1)
	b.mustDevice("ColMul", out, x, col)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kColMul, blocks(n), x.R, x.C, dev(x), dev(col), dev(out))
}

// ColMulSum sets out = Σ_i xs[i]·cols[i] (row r of xs[i] scaled by
// cols[i][r]) for one to autograd.MaxColMulSumTerms terms, in one kernel.
func (b *Backend) ColMulSum(out *tensor.Dense, xs, cols []*tensor.Dense) {
	n := len(xs)
	if n == 0 || n > autograd.MaxColMulSumTerms || len(cols) != n {
		panic(fmt.Sprintf("cuda: Backend.ColMulSum of %d matrices and %d columns", n, len(cols)))
	}
	var p [2 * autograd.MaxColMulSumTerms]Ptr
	for i, x := range xs {
		mustSame("ColMulSum", out, x)
		mustShape("ColMulSum", cols[i], out.R, 1)
		b.mustDevice("ColMulSum", x, cols[i])
		p[2*i], p[2*i+1] = dev(x), dev(cols[i])
	}
	b.mustDevice("ColMulSum", out)
	size := out.R * out.C
	if b.failed() || size == 0 {
		return
	}
	b.launch(kColMulSum, blocks(size), out.R, out.C, n, p[0], p[1], p[2], p[3], p[4], p[5], dev(out))
}

// ---- reductions

// SumRows sets the R×1 out to the row sums of x: a block per row for long
// rows (rowsum), a warp per row for short ones (sum_rows).
func (b *Backend) SumRows(out, x *tensor.Dense) {
	mustShape("SumRows", out, x.R, 1)
	b.mustDevice("SumRows", out, x)
	if b.failed() || x.R == 0 {
		return
	}
	switch {
	case x.C == 0:
		b.fill(out, 0)
	case x.C > block:
		b.launch(kRowSum, uint32(min(x.R, maxBlocks)), x.R, x.C, dev(x), dev(out))
	default:
		b.launch(kSumRows, uint32(min((x.R+warpsPer-1)/warpsPer, maxBlocks)), x.R, x.C, dev(x), dev(out))
	}
}

// MaxRows sets the R×1 out to the row maxima of x.
func (b *Backend) MaxRows(out, x *tensor.Dense) {
	mustShape("MaxRows", out, x.R, 1)
	b.mustDevice("MaxRows", out, x)
	if b.failed() || x.R == 0 {
		return
	}
	b.launch(kMaxRows, blocks(x.R), x.R, x.C, dev(x), dev(out))
}

// GaussianLogPDF sets the R×1 out to the row sums of
// −½·[(x−mean)²·e^(−logVar) + logVar + log 2π] in one kernel that reads
// each input once: a warp per row for short rows, a block per row for
// long ones, as SumRows.
func (b *Backend) GaussianLogPDF(out, x, mean, logVar *tensor.Dense) {
	mustSame("GaussianLogPDF", x, mean)
	mustSame("GaussianLogPDF", x, logVar)
	mustShape("GaussianLogPDF", out, x.R, 1)
	b.mustDevice("GaussianLogPDF", out, x, mean, logVar)
	if b.failed() || x.R == 0 {
		return
	}
	if x.C > block {
		b.launch(kGaussianBlock, uint32(min(x.R, maxBlocks)), x.R, x.C, dev(x), dev(mean), dev(logVar), dev(out))
		return
	}
	b.launch(kGaussianWarp, uint32(min((x.R+warpsPer-1)/warpsPer, maxBlocks)), x.R, x.C, dev(x), dev(mean), dev(logVar), dev(out))
}

// SumCols sets the 1×C out to the column sums of x. A thread per column
// adds the rows in order; when there are few columns and many rows, the
// rows are cut into chunks summed in parallel into step memory, and a
// second pass adds the chunks.
func (b *Backend) SumCols(out, x *tensor.Dense) {
	mustShape("SumCols", out, 1, x.C)
	b.mustDevice("SumCols", out, x)
	r, c := x.R, x.C
	if b.failed() || c == 0 {
		return
	}
	if r == 0 {
		b.fill(out, 0)
		return
	}
	chunks := sumColsChunks(r, c)
	if chunks == 1 {
		b.launch2(kSumCols, blocks(c), 1, r, c, r, dev(x), dev(out))
		return
	}
	per := (r + chunks - 1) / chunks
	chunks = (r + per - 1) / per
	partial := b.take(chunks * c * elemSize)
	if b.failed() {
		return
	}
	b.launch2(kSumCols, blocks(c), uint32(chunks), r, c, per, dev(x), partial)
	b.launch2(kSumCols, blocks(c), 1, chunks, c, chunks, partial, dev(out))
}

// sumColsChunks is the number of row chunks SumCols sums separately: enough
// threads (chunks × columns) to fill a GPU, each adding at least 16 rows.
// It depends on the shape only, so results are reproducible.
func sumColsChunks(rows, cols int) int {
	const threads, minRows, maxChunks = 1 << 16, 16, 4096
	return max(1, min((threads+cols-1)/cols, rows/minRows, maxChunks))
}

// SumAll sets the 1×1 out to the sum of x: block partial sums into step
// memory, then one block adds them.
func (b *Backend) SumAll(out, x *tensor.Dense) {
	mustShape("SumAll", out, 1, 1)
	b.mustDevice("SumAll", out, x)
	if b.failed() {
		return
	}
	n := x.R * x.C
	if n == 0 {
		b.fill(out, 0)
		return
	}
	g := min((n+4*block-1)/(4*block), 1024)
	if g == 1 {
		b.launch(kSumAll, 1, n, dev(x), dev(out))
		return
	}
	partial := b.take(g * elemSize)
	if b.failed() {
		return
	}
	b.launch(kSumAll, uint32(g), n, dev(x), partial)
	b.launch(kSumAll, 1, g, partial, dev(out))
}

// ---- broadcasts and masks

// BroadcastRows repeats the 1×C row over out.
func (b *Backend) BroadcastRows(out, row *tensor.Dense) {
	mustShape("BroadcastRows", row, 1, out.C)
	b.mustDevice("BroadcastRows", out, row)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kBroadcastRows, blocks(n), out.R, out.C, dev(row), dev(out))
}

// BroadcastCols repeats the R×1 column over out.
func (b *Backend) BroadcastCols(out, col *tensor.Dense) {
	mustShape("BroadcastCols", col, out.R, 1)
	b.mustDevice("BroadcastCols", out, col)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kBroadcastCols, blocks(n), out.R, out.C, dev(col), dev(out))
}

// BroadcastAll sets every element of out to the 1×1 s.
func (b *Backend) BroadcastAll(out, s *tensor.Dense) {
	mustShape("BroadcastAll", s, 1, 1)
	b.mustDevice("BroadcastAll", out, s)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kBroadcastAll, blocks(n), n, dev(s), dev(out))
}

// MaskedScale sets out = v where ref > 0 and slope·v elsewhere, with the
// tensor.MaskedScale's test of ref (see kernels/common.cuh).
func (b *Backend) MaskedScale(out, v, ref, slope *tensor.Dense) {
	mustSame("MaskedScale", v, out)
	mustSame("MaskedScale", v, ref)
	mustShape("MaskedScale", slope, 1, 1)
	b.mustDevice("MaskedScale", out, v, ref, slope)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kMaskedScale, blocks(n), n, dev(v), dev(ref), dev(slope), dev(out))
}

// ZeroWherePositive sets out = w where ref ≤ 0 and 0 elsewhere.
func (b *Backend) ZeroWherePositive(out, w, ref *tensor.Dense) {
	mustSame("ZeroWherePositive", w, out)
	mustSame("ZeroWherePositive", w, ref)
	b.mustDevice("ZeroWherePositive", out, w, ref)
	n := out.R * out.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kZeroWherePositive, blocks(n), n, dev(w), dev(ref), dev(out))
}

// CopyCols copies columns [srcCol, srcCol+width) of src into columns
// [dstCol, dstCol+width) of dst.
func (b *Backend) CopyCols(dst *tensor.Dense, dstCol int, src *tensor.Dense, srcCol, width int) {
	if dst.R != src.R || width < 0 || dstCol < 0 || srcCol < 0 || dstCol+width > dst.C || srcCol+width > src.C {
		panic(fmt.Sprintf("cuda: Backend.CopyCols: %d columns from %d of %d×%d to %d of %d×%d",
			width, srcCol, src.R, src.C, dstCol, dst.R, dst.C))
	}
	b.mustDevice("CopyCols", dst, src)
	n := dst.R * width
	if b.failed() || n == 0 {
		return
	}
	b.launch(kCopyCols, blocks(n), dst.R, width, dev(src), src.C, srcCol, dev(dst), dst.C, dstCol)
}

// ---- gathers and scatters

// indices converts idx to int32 into dst, panicking on an index outside
// [0, bound): on a device it would be a memory fault that kills the
// context.
func indices(op string, dst []int32, idx []int, bound int) {
	for i, k := range idx {
		if k < 0 || k >= bound {
			panic(fmt.Sprintf("cuda: Backend.%s: index %d outside [0, %d)", op, k, bound))
		}
		dst[i] = int32(k)
	}
}

// uploadIndices uploads idx (checked against bound) and returns its
// address.
func (b *Backend) uploadIndices(op string, idx []int, bound int) Ptr {
	v := b.hostInts(len(idx))
	indices(op, v, idx, bound)
	return b.uploadInts(v)
}

// invert builds, into buf, the inverse of the index list idx over targets
// [0, nk): off (nk+1 entries, starting at base) and perm (len(idx)
// entries) such that perm[off[k]-base … off[k+1]-base) are the positions
// i with idx[i] = k, increasing, and off holds positions in a perm that
// starts base entries earlier. Indices must be checked already.
func invert(off, perm []int32, idx []int32, base int32) {
	nk := len(off) - 1
	clear(off)
	for _, k := range idx {
		off[k+1]++
	}
	off[0] = base
	for k := range nk {
		off[k+1] += off[k]
	}
	// off[k] is now the start of k's positions: use it as k's cursor, which
	// leaves it at the start of k+1's; then shift back.
	for i, k := range idx {
		perm[off[k]-base] = int32(i)
		off[k]++
	}
	copy(off[1:], off[:nk])
	off[0] = base
}

// GatherRows sets row i of out to row idx[i] of x.
func (b *Backend) GatherRows(out, x *tensor.Dense, idx []int) {
	mustShape("GatherRows", out, len(idx), x.C)
	b.mustDevice("GatherRows", out, x)
	if b.failed() || out.R*out.C == 0 {
		return
	}
	p := b.uploadIndices("GatherRows", idx, x.R)
	if b.failed() {
		return
	}
	b.launch(kGatherRows, blocks(out.R*out.C), out.R, out.C, p, dev(x), dev(out))
}

// ScatterRows adds row i of x to row idx[i] of out, rows landing on the
// same row in increasing i (the CPU's order).
func (b *Backend) ScatterRows(out, x *tensor.Dense, idx []int) {
	mustShape("ScatterRows", x, len(idx), out.C)
	b.mustDevice("ScatterRows", out, x)
	if b.failed() || x.R*x.C == 0 {
		return
	}
	nk, n := out.R, len(idx)
	buf := b.hostInts(2*n + nk + 1)
	tmp, off, perm := buf[:n], buf[n:n+nk+1], buf[n+nk+1:]
	indices("ScatterRows", tmp, idx, nk)
	invert(off, perm, tmp, 0)
	p := b.uploadInts(buf[n:])
	if b.failed() {
		return
	}
	b.launch(kScatterRows, blocks(out.R*out.C), out.R, out.C, p, p+Ptr(4*(nk+1)), dev(x), dev(out))
}

// GatherCols sets column j of out to column idx[j] of x.
func (b *Backend) GatherCols(out, x *tensor.Dense, idx []int) {
	mustShape("GatherCols", out, x.R, len(idx))
	b.mustDevice("GatherCols", out, x)
	if b.failed() || out.R*out.C == 0 {
		return
	}
	p := b.uploadIndices("GatherCols", idx, x.C)
	if b.failed() {
		return
	}
	b.launch(kGatherCols, blocks(out.R*out.C), out.R, out.C, p, dev(x), x.C, dev(out))
}

// ScatterCols adds column j of x to column idx[j] of out.
func (b *Backend) ScatterCols(out, x *tensor.Dense, idx []int) {
	mustShape("ScatterCols", x, out.R, len(idx))
	b.mustDevice("ScatterCols", out, x)
	if b.failed() || x.R*x.C == 0 {
		return
	}
	nk, n := out.C, len(idx)
	buf := b.hostInts(2*n + nk + 1)
	tmp, off, perm := buf[:n], buf[n:n+nk+1], buf[n+nk+1:]
	indices("ScatterCols", tmp, idx, nk)
	invert(off, perm, tmp, 0)
	p := b.uploadInts(buf[n:])
	if b.failed() {
		return
	}
	b.launch(kScatterCols, blocks(out.R*out.C), out.R, out.C, p, p+Ptr(4*(nk+1)), dev(x), x.C, dev(out))
}

// MapCols sets out = x·M for the sparse column map m.
func (b *Backend) MapCols(out, x *tensor.Dense, m *autograd.ColMap) {
	mustShape("MapCols", out, x.R, m.Out)
	mustShape("MapCols", x, out.R, m.In)
	b.mustDevice("MapCols", out, x)
	if b.failed() || out.R*out.C == 0 {
		return
	}
	buf := b.hostInts(len(m.Off) + len(m.Src))
	for i, v := range m.Off {
		buf[i] = int32(v)
	}
	indices("MapCols", buf[len(m.Off):], m.Src, m.In)
	p := b.uploadInts(buf)
	w := b.NewUninit(1, len(m.W))
	if len(m.W) > 0 {
		b.Upload(w, tensor.FromSlice(1, len(m.W), m.W))
	}
	if b.failed() {
		return
	}
	b.launch(kMapCols, blocks(out.R*out.C), out.R, out.C, p, p+Ptr(4*len(m.Off)), dev(w), dev(x), x.C, dev(out))
}

// GatherInRows sets element (i, j) of out to element (i, idx[i·C+j]) of
// x, C being out's column count.
func (b *Backend) GatherInRows(out, x *tensor.Dense, idx []int) {
	if out.R != x.R || len(idx) != out.R*out.C {
		panic(fmt.Sprintf("cuda: Backend.GatherInRows: %d indices from %d×%d into %d×%d", len(idx), x.R, x.C, out.R, out.C))
	}
	b.mustDevice("GatherInRows", out, x)
	if b.failed() || out.R*out.C == 0 {
		return
	}
	p := b.uploadIndices("GatherInRows", idx, x.C)
	if b.failed() {
		return
	}
	b.launch(kGatherInRows, blocks(out.R*out.C), out.R, out.C, p, dev(x), x.C, dev(out))
}

// ScatterInRows adds element (i, j) of x to element (i, idx[i·C+j]) of
// out, C being x's column count; each row's inverse index is built on the
// host, so elements landing together are added in increasing j.
func (b *Backend) ScatterInRows(out, x *tensor.Dense, idx []int) {
	if out.R != x.R || len(idx) != x.R*x.C {
		panic(fmt.Sprintf("cuda: Backend.ScatterInRows: %d indices from %d×%d into %d×%d", len(idx), x.R, x.C, out.R, out.C))
	}
	b.mustDevice("ScatterInRows", out, x)
	if b.failed() || x.R*x.C == 0 {
		return
	}
	r, c, nk := x.R, x.C, out.C
	nOff := r * (nk + 1)
	buf := b.hostInts(2*r*c + nOff)
	tmp, off, perm := buf[:r*c], buf[r*c:r*c+nOff], buf[r*c+nOff:]
	indices("ScatterInRows", tmp, idx, nk)
	for i := range r {
		// perm entries of row i are column numbers j, at positions
		// i·c … (i+1)·c−1 of perm.
		invert(off[i*(nk+1):(i+1)*(nk+1)], perm[i*c:(i+1)*c], tmp[i*c:(i+1)*c], int32(i*c))
	}
	p := b.uploadInts(buf[r*c:])
	if b.failed() {
		return
	}
	b.launch(kScatterInRows, blocks(out.R*out.C), out.R, out.C, p, p+Ptr(4*nOff), dev(x), x.C, dev(out))
}

// ---- random numbers and optimiser updates

// Normal fills dst with the N(0, 1) stream of seed: autograd.NormalPair's
// values, as the CPU backend draws them (to rounding of the last bit of
// log, sqrt, sin and cos).
func (b *Backend) Normal(dst *tensor.Dense, seed uint64) {
	b.mustDevice("Normal", dst)
	n := dst.R * dst.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kNormal, blocks((n+1)/2), n, seed, dev(dst))
}

// Lerp sets dst = (1−t)·dst + t·c·src.
func (b *Backend) Lerp(dst, src *tensor.Dense, t, c tensor.Float) {
	mustSame("Lerp", dst, src)
	b.mustDevice("Lerp", dst, src)
	n := dst.R * dst.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kLerp, blocks(n), n, t, c, dev(src), dev(dst))
}

// Adam applies one Adam update to w with gradient g and moments m and v.
func (b *Backend) Adam(w, g, m, v *tensor.Dense, stepSize, beta1, beta2, invSqrtC2, eps tensor.Float) {
	mustSame("Adam", w, g)
	mustSame("Adam", w, m)
	mustSame("Adam", w, v)
	b.mustDevice("Adam", w, g, m, v)
	n := w.R * w.C
	if b.failed() || n == 0 {
		return
	}
	b.launch(kAdam, blocks(n), n, stepSize, beta1, beta2, invSqrtC2, eps, dev(w), dev(g), dev(m), dev(v))
}
