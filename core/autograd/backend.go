package autograd

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Backend computes the values of the graph's operations and owns the
// memory they live in. The graph decides what to compute and records it;
// the backend decides where: CPU is the host implementation, and
// core/cuda provides one whose matrices live in GPU memory.
//
// A matrix made by a backend is on that backend: host matrices have Data,
// device matrices have Data == nil and a device address in Dev. Every
// method's outputs are preallocated with the right shape by the caller
// (from New or NewUninit, or from Alloc for persistent state), and its
// inputs are matrices of the same backend. Index lists ([]int) are host
// slices; a device backend copies them over.
type Backend interface {
	// New returns a zeroed r×c matrix valid until Reset; NewUninit leaves
	// it uninitialised, for outputs that every element is written to.
	New(r, c int) *tensor.Dense
	NewUninit(r, c int) *tensor.Dense
	// Reset makes the memory of every matrix from New and NewUninit
	// reusable.
	Reset()
	// Alloc returns a zeroed r×c matrix that lives until the process ends
	// (parameters, optimiser moments, running statistics).
	Alloc(r, c int) *tensor.Dense
	// View returns x's storage read as an r×c matrix (r·c = x's size).
	View(x *tensor.Dense, r, c int) *tensor.Dense

	// Upload copies the host matrix src into dst; Download copies src
	// into the host matrix dst; Copy copies within the backend. Shapes
	// must match.
	Upload(dst, src *tensor.Dense)
	Download(dst, src *tensor.Dense)
	Copy(dst, src *tensor.Dense)
	// Fill sets every element of dst to v.
	Fill(dst *tensor.Dense, v tensor.Float)

	// Gemm sets c = op(a)·op(b), op transposing when the flag is set.
	Gemm(transA, transB bool, a, b, c *tensor.Dense)
	// GemmBatched does Gemm for each of batch matrices stacked by rows
	// in a, b and c (a holds batch blocks of a.R/batch rows, and so on):
	// c_i = op(a_i)·op(b_i).
	GemmBatched(transA, transB bool, batch int, a, b, c *tensor.Dense)
	// Binary sets out = a ∘ b elementwise (same shapes; out may alias a).
	Binary(op BinaryOp, out, a, b *tensor.Dense)
	// Unary sets out = f(x) elementwise, with p the operation's constant.
	Unary(op UnaryOp, out, x *tensor.Dense, p tensor.Float)
	// RowBinary sets out = x ∘ row with the 1×C row applied to every row
	// of x (AddRow and MulRow use Add and Mul); ColMul scales row i of x
	// by col[i].
	RowBinary(op BinaryOp, out, x, row *tensor.Dense)
	ColMul(out, x, col *tensor.Dense)
	// ColMulSum sets out = Σ_i xs[i] ⊙ cols[i], row r of xs[i] scaled by
	// element r of the R×1 cols[i], the terms added in order i = 0, 1, …
	// (1 to MaxColMulSumTerms terms; out may alias any xs[i]).
	ColMulSum(out *tensor.Dense, xs, cols []*tensor.Dense)
	// SumRows, SumCols and SumAll reduce to a column, a row and a 1×1.
	SumRows(out, x *tensor.Dense)
	SumCols(out, x *tensor.Dense)
	SumAll(out, x *tensor.Dense)
	// MaxRows sets the R×1 out to the row maxima of x (a NaN in a row is
	// its maximum; an empty row's is −∞).
	MaxRows(out, x *tensor.Dense)
	// GaussianLogPDF sets the R×1 out to the row sums of
	// −½·[(x−mean)²·e^(−logVar) + logVar + log 2π] (x, mean and logVar of
	// one shape): log N(x; mean, diag(e^logVar)) per row.
	GaussianLogPDF(out, x, mean, logVar *tensor.Dense)
	// BroadcastRows repeats a 1×C row, BroadcastCols an R×1 column and
	// BroadcastAll a 1×1 value over out.
	BroadcastRows(out, row *tensor.Dense)
	BroadcastCols(out, col *tensor.Dense)
	BroadcastAll(out, s *tensor.Dense)
	// MaskedScale sets out = v where ref > 0 and slope·v elsewhere (slope
	// is 1×1 and stays on the backend); ZeroWherePositive sets out = w
	// where ref ≤ 0 and 0 elsewhere.
	MaskedScale(out, v, ref, slope *tensor.Dense)
	ZeroWherePositive(out, w, ref *tensor.Dense)
	// CopyCols copies columns [srcCol, srcCol+width) of src into columns
	// [dstCol, dstCol+width) of dst (same row count).
	CopyCols(dst *tensor.Dense, dstCol int, src *tensor.Dense, srcCol, width int)
	// GatherRows sets row i of out to row idx[i] of x; ScatterRows adds
	// row i of x to row idx[i] of out. GatherCols and ScatterCols do the
	// same with columns (one idx for every row); GatherInRows and
	// ScatterInRows with each row's own indices idx[i·n : (i+1)·n], n
	// being the column count of out (gather) or x (scatter). Indices are
	// checked by the caller. The scatters add into out.
	GatherRows(out, x *tensor.Dense, idx []int)
	ScatterRows(out, x *tensor.Dense, idx []int)
	GatherCols(out, x *tensor.Dense, idx []int)
	ScatterCols(out, x *tensor.Dense, idx []int)
	GatherInRows(out, x *tensor.Dense, idx []int)
	ScatterInRows(out, x *tensor.Dense, idx []int)
	// MapCols sets out = x·M for the sparse map m (ColMap), the terms of
	// each output column added in the map's order.
	MapCols(out, x *tensor.Dense, m *ColMap)

	// Normal fills dst with independent N(0, 1) values drawn from a
	// stream that seed determines.
	Normal(dst *tensor.Dense, seed uint64)
	// Lerp sets dst = (1−t)·dst + t·c·src: running averages and EMA.
	Lerp(dst, src *tensor.Dense, t, c tensor.Float)
	// Adam applies one Adam update to w with gradient g and moments m, v
	// (PyTorch's rule): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
	// w −= stepSize·m / (√v·invSqrtC2 + eps).
	Adam(w, g, m, v *tensor.Dense, stepSize, beta1, beta2, invSqrtC2, eps tensor.Float)
}

// MaxColMulSumTerms is the most terms Backend.ColMulSum (and
// Graph.MulColSum) adds in one operation.
const MaxColMulSumTerms = 3

// BinaryOp names an elementwise operation of two matrices.
type BinaryOp uint8

const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	numBinaryOps
)

// BinaryOps lists every BinaryOp, by code: device kernels take the codes
// as numbers, and core/cuda generates their definitions from this list.
var BinaryOps = []BinaryOp{OpAdd, OpSub, OpMul}

var binaryOpNames = [numBinaryOps]string{OpAdd: "add", OpSub: "sub", OpMul: "mul"}

func (op BinaryOp) String() string {
	if op < numBinaryOps {
		return binaryOpNames[op]
	}
	return fmt.Sprintf("BinaryOp(%d)", uint8(op))
}

// UnaryOp names an elementwise function; Scale, AddConst and Pow use the
// constant p.
type UnaryOp uint8

const (
	OpScale UnaryOp = iota
	OpAddConst
	OpSquare
	OpExp
	OpLog
	OpPow
	OpSin
	OpCos
	OpTanh
	OpSigmoid   // 1/(1 + e⁻ˣ)
	OpSiLU      // x·sigmoid(x)
	OpSiLUGrad  // silu'(x) = σ·(1 + x·(1 − σ)), σ = sigmoid(x)
	OpSiLUGrad2 // silu''(x) = σ·(1 − σ)·(2 + x·(1 − 2σ))
	numUnaryOps
)

// UnaryOps lists every UnaryOp, by code (see BinaryOps).
var UnaryOps = []UnaryOp{OpScale, OpAddConst, OpSquare, OpExp, OpLog, OpPow, OpSin, OpCos, OpTanh, OpSigmoid, OpSiLU, OpSiLUGrad, OpSiLUGrad2}

var unaryOpNames = [numUnaryOps]string{
	OpScale: "scale", OpAddConst: "addconst", OpSquare: "square", OpExp: "exp", OpLog: "log", OpPow: "pow",
	OpSin: "sin", OpCos: "cos", OpTanh: "tanh", OpSigmoid: "sigmoid", OpSiLU: "silu",
	OpSiLUGrad: "silu_grad", OpSiLUGrad2: "silu_grad2",
}

func (op UnaryOp) String() string {
	if op < numUnaryOps {
		return unaryOpNames[op]
	}
	return fmt.Sprintf("UnaryOp(%d)", uint8(op))
}
