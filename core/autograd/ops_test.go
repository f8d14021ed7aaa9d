package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// randMatrix draws entries with |x| in [0.2, 1.5]: away from zero, so that
// finite differences never straddle a PReLU kink.
func randMatrix(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		v := 0.2 + 1.3*rng.Float64()
		if rng.IntN(2) == 0 {
			v = -v
		}
		d.Data[i] = tensor.Float(v)
	}
	return d
}

func positiveMatrix(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float(0.5 + rng.Float64())
	}
	return d
}

// weighted turns a matrix output into a scalar with fixed, unequal
// weights, so every output element contributes a different amount, and
// squares it once so that even linear operations have non-zero second
// derivatives to check.
func weighted(g *Graph, y *Node) *Node {
	rng := rand.New(rand.NewPCG(uint64(y.Value.R), uint64(y.Value.C)))
	w := g.Tensor(y.Value.R, y.Value.C)
	for i := range w.Data {
		w.Data[i] = tensor.Float(rng.NormFloat64())
	}
	s := g.SumAll(g.Mul(y, g.Const(w)))
	return g.Add(s, g.Scale(g.Square(s), 0.1))
}

type opCase struct {
	name   string
	inputs func(rng *rand.Rand) []*tensor.Dense
	f      func(g *Graph, in []*Node) *Node
}

func shapes(gen func(*rand.Rand, int, int) *tensor.Dense, dims ...[2]int) func(*rand.Rand) []*tensor.Dense {
	return func(rng *rand.Rand) []*tensor.Dense {
		out := make([]*tensor.Dense, len(dims))
		for i, d := range dims {
			out[i] = gen(rng, d[0], d[1])
		}
		return out
	}
}

var opCases = []opCase{
	{"MatMul", shapes(randMatrix, [2]int{3, 4}, [2]int{4, 5}), func(g *Graph, in []*Node) *Node { return g.MatMul(in[0], in[1], false, false) }},
	{"MatMulNT", shapes(randMatrix, [2]int{3, 4}, [2]int{5, 4}), func(g *Graph, in []*Node) *Node { return g.MatMul(in[0], in[1], false, true) }},
	{"MatMulTN", shapes(randMatrix, [2]int{4, 3}, [2]int{4, 5}), func(g *Graph, in []*Node) *Node { return g.MatMul(in[0], in[1], true, false) }},
	{"MatMulTT", shapes(randMatrix, [2]int{4, 3}, [2]int{5, 4}), func(g *Graph, in []*Node) *Node { return g.MatMul(in[0], in[1], true, true) }},
	{"Add", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Add(in[0], in[1]) }},
	{"Sub", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Sub(in[0], in[1]) }},
	{"Mul", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Mul(in[0], in[1]) }},
	{"Scale", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Scale(in[0], -1.7) }},
	{"AddConst", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.AddConst(in[0], 0.3) }},
	{"AddRow", shapes(randMatrix, [2]int{3, 4}, [2]int{1, 4}), func(g *Graph, in []*Node) *Node { return g.AddRow(in[0], in[1]) }},
	{"MulRow", shapes(randMatrix, [2]int{3, 4}, [2]int{1, 4}), func(g *Graph, in []*Node) *Node { return g.MulRow(in[0], in[1]) }},
	{"MulCol", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 1}), func(g *Graph, in []*Node) *Node { return g.MulCol(in[0], in[1]) }},
	{"SumRows", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.SumRows(in[0]) }},
	{"SumCols", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.SumCols(in[0]) }},
	{"SumAll", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.SumAll(in[0]) }},
	{"Mean", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Mean(in[0]) }},
	{"BroadcastRows", shapes(randMatrix, [2]int{1, 4}), func(g *Graph, in []*Node) *Node { return g.BroadcastRows(in[0], 3) }},
	{"BroadcastCols", shapes(randMatrix, [2]int{3, 1}), func(g *Graph, in []*Node) *Node { return g.BroadcastCols(in[0], 4) }},
	{"BroadcastAll", shapes(randMatrix, [2]int{1, 1}), func(g *Graph, in []*Node) *Node { return g.BroadcastAll(in[0], 3, 4) }},
	{"Square", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Square(in[0]) }},
	{"Exp", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Exp(in[0]) }},
	{"Log", shapes(positiveMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Log(in[0]) }},
	{"Pow", shapes(positiveMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Pow(in[0], -0.5) }},
	{"Sin", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Sin(in[0]) }},
	{"Cos", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Cos(in[0]) }},
	{"Tanh", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Tanh(in[0]) }},
	{"Sigmoid", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Sigmoid(in[0]) }},
	{"SiLU", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.SiLU(in[0]) }},
	// SiLU's recorded derivative: its second derivative is SiLU's third.
	{"SiLUGradient", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node {
		return g.Grad(g.SumAll(g.Mul(g.SiLU(in[0]), in[0])), in[:1], true)[0]
	}},
	{"SiLUOfProduct", shapes(randMatrix, [2]int{3, 4}, [2]int{4, 4}), func(g *Graph, in []*Node) *Node {
		return g.SiLU(g.MatMul(in[0], in[1], false, false))
	}},
	{"LeakyReLU", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.LeakyReLU(in[0], 0.2) }},
	{"PReLU", shapes(randMatrix, [2]int{3, 4}, [2]int{1, 1}), func(g *Graph, in []*Node) *Node { return g.PReLU(in[0], in[1]) }},
	{"PReLUOfProduct", shapes(randMatrix, [2]int{3, 4}, [2]int{4, 4}, [2]int{1, 1}), func(g *Graph, in []*Node) *Node {
		// x enters through a product so that ∂²/∂W∂x is non-trivial.
		return g.PReLU(g.MatMul(in[0], in[1], false, false), in[2])
	}},
	{"ZeroWherePositive", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node {
		return g.ZeroWherePositive(g.Square(in[0]), in[0].Value)
	}},
	{"ConcatCols", shapes(randMatrix, [2]int{3, 2}, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.ConcatCols(in[0], in[1]) }},
	{"SliceCols", shapes(randMatrix, [2]int{3, 5}), func(g *Graph, in []*Node) *Node { return g.SliceCols(in[0], 1, 4) }},
	{"PadCols", shapes(randMatrix, [2]int{3, 2}), func(g *Graph, in []*Node) *Node { return g.PadCols(in[0], 1, 5) }},
	{"GatherRows", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.GatherRows(in[0], []int{2, 0, 2, 1, 2}) }},
	{"ScatterRows", shapes(randMatrix, [2]int{5, 4}), func(g *Graph, in []*Node) *Node { return g.ScatterRows(in[0], []int{2, 0, 2, 1, 2}, 3) }},
	{"GaussianLogPDF", shapes(randMatrix, [2]int{3, 2}, [2]int{3, 2}, [2]int{3, 2}), func(g *Graph, in []*Node) *Node {
		return g.GaussianLogPDF(in[0], in[1], in[2])
	}},
	// The fused operations, with each kind of input first in turn (second
	// derivatives are checked through ∂/∂in[0]).
	{"GaussianLogPDF/mean", shapes(randMatrix, [2]int{3, 2}, [2]int{3, 2}, [2]int{3, 2}), func(g *Graph, in []*Node) *Node {
		return g.GaussianLogPDF(in[1], in[0], in[2])
	}},
	{"GaussianLogPDF/logVar", shapes(randMatrix, [2]int{3, 2}, [2]int{3, 2}, [2]int{3, 2}), func(g *Graph, in []*Node) *Node {
		return g.GaussianLogPDF(in[1], in[2], in[0])
	}},
	{"GaussianLogPDF/broadcast", shapes(randMatrix, [2]int{3, 1}, [2]int{3, 4}, [2]int{3, 4}), func(g *Graph, in []*Node) *Node {
		// A per-row log-variance, as PosteriorLogPDF passes; x = mean·mean
		// makes x and mean one input twice over.
		return g.GaussianLogPDF(g.Mul(in[1], in[1]), in[1], g.Add(g.BroadcastCols(in[0], 4), in[2]))
	}},
	{"MulColSum/1", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 1}), func(g *Graph, in []*Node) *Node {
		return g.MulColSum([]*Node{in[0]}, []*Node{in[1]})
	}},
	{"MulColSum/2", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 1}, [2]int{3, 4}, [2]int{3, 1}), func(g *Graph, in []*Node) *Node {
		return g.MulColSum([]*Node{in[0], in[2]}, []*Node{in[1], in[3]})
	}},
	{"MulColSum/3", shapes(randMatrix, [2]int{3, 4}, [2]int{3, 1}, [2]int{3, 4}, [2]int{3, 1}, [2]int{3, 4}, [2]int{3, 1}), func(g *Graph, in []*Node) *Node {
		return g.MulColSum([]*Node{in[0], in[2], in[4]}, []*Node{in[1], in[3], in[5]})
	}},
	{"MulColSum/3/column", shapes(randMatrix, [2]int{3, 1}, [2]int{3, 4}, [2]int{3, 4}, [2]int{3, 1}), func(g *Graph, in []*Node) *Node {
		// A column first, and inputs used in two terms each.
		return g.MulColSum([]*Node{in[1], in[2], in[1]}, []*Node{in[0], in[3], in[3]})
	}},
	{"StdNormalKL", shapes(randMatrix, [2]int{3, 2}, [2]int{3, 2}), func(g *Graph, in []*Node) *Node { return g.StdNormalKL(in[0], in[1]) }},
	{"MapCols", shapes(randMatrix, [2]int{3, 7}), func(g *Graph, in []*Node) *Node { return g.MapCols(in[0], testColMap) }},
	// Resamplings on odd sizes (a last row or column that pools drop, or
	// that FIR taps reach only in part), batch 1 and 2.
	{"AvgPool2", shapes(randMatrix, [2]int{2, 5 * 3 * 2}), func(g *Graph, in []*Node) *Node {
		return g.Resample(in[0], AvgPool2(Image{5, 3, 2}))
	}},
	{"Upsample2", shapes(randMatrix, [2]int{1, 3 * 2 * 3}), func(g *Graph, in []*Node) *Node {
		return g.Resample(in[0], Upsample2(Image{3, 2, 3}))
	}},
	{"FIRDown2", shapes(randMatrix, [2]int{2, 5 * 4 * 2}), func(g *Graph, in []*Node) *Node {
		return g.Resample(in[0], FIRDown2(Image{5, 4, 2}))
	}},
	{"FIRUp2", shapes(randMatrix, [2]int{2, 3 * 2 * 2}), func(g *Graph, in []*Node) *Node {
		return g.Resample(in[0], FIRUp2(Image{3, 2, 2}))
	}},
	// Group norm over a 3×5 image of 6 channels in 3 groups; its affine
	// forms take their scale and shift as inputs too.
	{"GroupNorm", shapes(randMatrix, [2]int{2, 3 * 5 * 6}), func(g *Graph, in []*Node) *Node {
		return g.GroupNorm(in[0], testGroups, 1e-6)
	}},
	{"GroupNorm/affine", shapes(randMatrix, [2]int{2, 3 * 5 * 6}, [2]int{1, 6}, [2]int{1, 6}), func(g *Graph, in []*Node) *Node {
		return g.PerChannel(g.GroupNorm(in[0], testGroups, 1e-6), testGroups.In, in[1], in[2])
	}},
	{"GroupNorm/adaptive", shapes(randMatrix, [2]int{2, 3 * 5 * 6}, [2]int{2, 6}, [2]int{2, 6}), func(g *Graph, in []*Node) *Node {
		return g.PerChannel(g.GroupNorm(in[0], testGroups, 1e-6), testGroups.In, in[1], in[2])
	}},
	{"GroupNorm/oneGroupBatch1", shapes(randMatrix, [2]int{1, 2 * 3 * 3}), func(g *Graph, in []*Node) *Node {
		return g.GroupNorm(in[0], NewGroups(Image{2, 3, 3}, 1), 1e-6)
	}},
	{"PerChannelAdd", shapes(randMatrix, [2]int{2, 3 * 5 * 6}, [2]int{2, 6}), func(g *Graph, in []*Node) *Node {
		// A time embedding added at every pixel, its gradient summed over them.
		return g.PerChannel(in[0], testGroups.In, nil, g.Square(in[1]))
	}},
	// Three blocks: 3 of 2×4 times 3 of 4×5 in every transposition.
	{"BatchMatMul", shapes(randMatrix, [2]int{6, 4}, [2]int{12, 5}), func(g *Graph, in []*Node) *Node { return g.BatchMatMul(in[0], in[1], 3, false, false) }},
	{"BatchMatMulNT", shapes(randMatrix, [2]int{6, 4}, [2]int{15, 4}), func(g *Graph, in []*Node) *Node { return g.BatchMatMul(in[0], in[1], 3, false, true) }},
	{"BatchMatMulTN", shapes(randMatrix, [2]int{12, 2}, [2]int{12, 5}), func(g *Graph, in []*Node) *Node { return g.BatchMatMul(in[0], in[1], 3, true, false) }},
	{"BatchMatMulTT", shapes(randMatrix, [2]int{12, 2}, [2]int{15, 4}), func(g *Graph, in []*Node) *Node { return g.BatchMatMul(in[0], in[1], 3, true, true) }},
	{"Attention", shapes(randMatrix, [2]int{2 * 5, 3}, [2]int{3, 3}, [2]int{3, 3}, [2]int{3, 3}), func(g *Graph, in []*Node) *Node {
		// Two images of 5 positions and 3 channels: softmax(q·kᵀ/√C)·v
		// over each image's positions, q, k, v linear in x.
		x := in[0]
		q, k, v := g.MatMul(x, in[1], false, false), g.MatMul(x, in[2], false, false), g.MatMul(x, in[3], false, false)
		w := g.Softmax(g.Scale(g.BatchMatMul(q, k, 2, false, true), 0.57735))
		return g.BatchMatMul(w, v, 2, false, false)
	}},
	{"ConcatChannels", shapes(randMatrix, [2]int{2, 3 * 2 * 2}, [2]int{2, 3 * 2 * 3}), func(g *Graph, in []*Node) *Node {
		return g.ConcatChannels(g.Square(in[0]), Image{3, 2, 2}, in[1], Image{3, 2, 3})
	}},
	{"ChannelSums", shapes(randMatrix, [2]int{2, 3 * 5 * 6}), func(g *Graph, in []*Node) *Node {
		return g.ChannelSums(in[0], testGroups.In)
	}},
	{"Dropout", shapes(randMatrix, [2]int{4, 6}), func(g *Graph, in []*Node) *Node {
		return g.Dropout(g.Sin(in[0]), 0.3, 11)
	}},
	{"Softmax", shapes(randMatrix, [2]int{3, 5}), func(g *Graph, in []*Node) *Node { return g.Softmax(g.Scale(in[0], 2)) }},
	{"FIRBlur", shapes(randMatrix, [2]int{1, 3 * 4 * 2}), func(g *Graph, in []*Node) *Node {
		return g.Resample(in[0], FIRBlur(Image{3, 4, 2}))
	}},
}

var testGroups = NewGroups(Image{3, 5, 6}, 3)

// testColMap has repeated sources, an output no term reaches, and terms
// given out of order and twice (which add up).
var testColMap = NewColMap(7, 5, []ColTerm{
	{From: 6, To: 3, W: 0.5}, {From: 0, To: 0, W: -1.25}, {From: 2, To: 0, W: 0.75}, {From: 2, To: 1, W: 2},
	{From: 6, To: 3, W: 0.25}, {From: 4, To: 4, W: 1.5}, {From: 5, To: 1, W: -0.5},
})

func TestOpGradients(t *testing.T) {
	for _, c := range opCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 5))
			f := func(g *Graph, in []*Node) *Node { return weighted(g, c.f(g, in)) }
			if err := CheckGrad(f, c.inputs(rng), FDStep, FDTol); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOpSecondDerivatives(t *testing.T) {
	for _, c := range opCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 5))
			f := func(g *Graph, in []*Node) *Node { return weighted(g, c.f(g, in)) }
			if err := CheckGradOfGrad(f, c.inputs(rng), FDStep, FDTol); err != nil {
				t.Error(err)
			}
		})
	}
}

// A wrong backward rule must be caught: the checker is not vacuous.
func TestCheckGradDetectsWrongRule(t *testing.T) {
	saved := backwardOf[opSin]
	defer func() { backwardOf[opSin] = saved }()
	backwardOf[opSin] = func(g *Graph, n, grad *Node) {
		g.accumulate(n.in[0], g.Mul(grad, g.Sin(n.in[0]))) // should be Cos
	}
	rng := rand.New(rand.NewPCG(3, 5))
	f := func(g *Graph, in []*Node) *Node { return weighted(g, g.Sin(in[0])) }
	if CheckGrad(f, []*tensor.Dense{randMatrix(rng, 3, 4)}, FDStep, FDTol) == nil {
		t.Fatal("CheckGrad accepted sin' = sin")
	}
}

func TestGaussianLogPDFValue(t *testing.T) {
	g := NewGraph()
	x := g.Const(tensor.FromSlice(1, 2, []tensor.Float{0.5, -1}))
	mu := g.Const(tensor.FromSlice(1, 2, []tensor.Float{0, 0}))
	lv := g.Const(tensor.FromSlice(1, 2, []tensor.Float{0, tensor.Float(math.Log(4))}))
	got := float64(g.GaussianLogPDF(x, mu, lv).Value.Data[0])
	want := -0.5*0.25 - 0.5*math.Log(2*math.Pi) + (-0.5*1/4 - 0.5*math.Log(2*math.Pi*4))
	if math.Abs(got-want) > 1e-5 {
		t.Fatalf("log N = %v, want %v", got, want)
	}
}

// MulColSum computes what the MulCols and Adds it replaces do.
func TestMulColSumMatchesItsComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := NewGraph()
	x1, x2, x3 := g.Const(randMatrix(rng, 5, 7)), g.Const(randMatrix(rng, 5, 7)), g.Const(randMatrix(rng, 5, 7))
	c1, c2, c3 := g.Const(randMatrix(rng, 5, 1)), g.Const(randMatrix(rng, 5, 1)), g.Const(randMatrix(rng, 5, 1))
	want := g.Add(g.Add(g.MulCol(x1, c1), g.MulCol(x2, c2)), g.MulCol(x3, c3))
	if got := g.MulColSum([]*Node{x1, x2, x3}, []*Node{c1, c2, c3}); !equal(got.Value.Data, want.Value.Data) {
		t.Errorf("MulColSum = %v, composition %v", got.Value.Data, want.Value.Data)
	}
	want = g.MulCol(x1, c1)
	if got := g.MulColSum([]*Node{x1}, []*Node{c1}); !equal(got.Value.Data, want.Value.Data) {
		t.Errorf("MulColSum of one term = %v, MulCol %v", got.Value.Data, want.Value.Data)
	}
}

// GaussianLogPDF computes, to the bit, what the composition of nine
// elementary operations it replaces does.
func TestGaussianLogPDFMatchesItsComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := NewGraph()
	x, mean, lv := g.Const(randMatrix(rng, 5, 7)), g.Const(randMatrix(rng, 5, 7)), g.Const(randMatrix(rng, 5, 7))
	d := g.Sub(x, mean)
	quad := g.Mul(g.Square(d), g.Exp(g.Scale(lv, -1)))
	per := g.AddConst(g.Add(quad, lv), tensor.Float(math.Log(2*math.Pi)))
	want := g.Scale(g.SumRows(per), -0.5)
	if got := g.GaussianLogPDF(x, mean, lv); !equal(got.Value.Data, want.Value.Data) {
		t.Errorf("GaussianLogPDF = %v, composition %v", got.Value.Data, want.Value.Data)
	}
}

// equal reports whether a and b hold the same values to the bit.
func equal(a, b []tensor.Float) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

func TestMulColSumChecksItsTerms(t *testing.T) {
	g := NewGraph()
	x, c := g.Const(tensor.New(2, 3)), g.Const(tensor.New(2, 1))
	for _, tc := range []struct {
		name     string
		xs, cols []*Node
	}{
		{"none", nil, nil},
		{"too many", []*Node{x, x, x, x}, []*Node{c, c, c, c}},
		{"unpaired", []*Node{x, x}, []*Node{c}},
		{"row column", []*Node{x}, []*Node{g.Const(tensor.New(1, 3))}},
		{"shapes", []*Node{x, g.Const(tensor.New(2, 2))}, []*Node{c, c}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			g.MulColSum(tc.xs, tc.cols)
		}()
	}
}

// Gradients with respect to a subset of inputs leave the others alone, and
// nodes that y does not depend on get nil.
func TestGradOnlyWhereAsked(t *testing.T) {
	g := NewGraph()
	a := g.Leaf(tensor.FromSlice(1, 1, []tensor.Float{2}))
	b := g.Leaf(tensor.FromSlice(1, 1, []tensor.Float{3}))
	c := g.Leaf(tensor.FromSlice(1, 1, []tensor.Float{4}))
	y := g.Mul(a, b)
	d := g.Grad(y, []*Node{a, c}, false)
	if d[0] == nil || d[0].Value.Data[0] != 3 {
		t.Fatalf("dy/da = %v, want 3", d[0])
	}
	if d[1] != nil {
		t.Fatalf("dy/dc = %v, want nil", d[1].Value.Data)
	}
}

func TestBackwardAccumulatesIntoParams(t *testing.T) {
	w := NewParam("w", tensor.FromSlice(1, 2, []tensor.Float{1, 2}))
	for range 2 {
		g := NewGraph()
		x := g.Const(tensor.FromSlice(1, 2, []tensor.Float{3, 5}))
		g.Backward(g.SumAll(g.Mul(x, w)), []*Node{w})
	}
	if w.Grad.Data[0] != 6 || w.Grad.Data[1] != 10 {
		t.Fatalf("accumulated grad %v, want [6 10]", w.Grad.Data)
	}
}
