package cuda_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/cuda/cudaemu"
	"github.com/ddaebm/ddaebm/core/cuda/internal/opcodes"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The backend is checked against autograd.CPU, the reference semantics,
// on two runtimes: the host emulator (cudaemu), which runs the kernel
// sources on any machine with a C++ compiler, and a real GPU, where there
// is one (DDAEBM_REQUIRE_GPU=1 turns its absence into a failure).

// forEachRuntime runs f as the subtests emu and gpu, each with a fresh
// Backend that is closed afterwards.
func forEachRuntime(t *testing.T, f func(t *testing.T, be *cuda.Backend)) {
	t.Helper()
	for _, name := range []string{"emu", "gpu"} {
		t.Run(name, func(t *testing.T) {
			var rt cuda.Runtime
			var emu *cudaemu.Runtime
			if name == "emu" {
				// Skips without a C++ compiler, fails when the kernel
				// sources do not compile.
				emu = cudaemu.ForTest(t)
				rt = emu
			} else {
				rt = cuda.OpenDevice(t)
			}
			be := cuda.NewBackend(rt)
			t.Cleanup(func() {
				if err := be.Close(); err != nil {
					t.Error(err)
				}
				if emu != nil {
					if n, bytes := emu.Allocations(); n != 0 {
						t.Errorf("Close left %d allocations (%d bytes)", n, bytes)
					}
				}
			})
			f(t, be)
			if err := be.Synchronize(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// ---- values and comparisons

// eps is the unit roundoff of tensor.Float; elemTol the relative tolerance
// of element-wise results that may differ in rounding (library functions,
// contracted multiply-adds).
var (
	eps     = map[bool]float64{false: 0x1p-24, true: 0x1p-53}[tensor.Is64]
	elemTol = map[bool]float64{false: 1e-5, true: 1e-12}[tensor.Is64]
)

// tol accepts |got − want| ≤ abs + rel·|want|; the zero tol asks for
// equality. NaN matches NaN.
type tol struct{ rel, abs float64 }

var (
	exact = tol{}
	elem  = tol{rel: elemTol, abs: elemTol * 1e-6}
)

// sumTol is the tolerance of a sum of n terms of magnitude at most 1,
// added in different orders.
func sumTol(n int) tol { return tol{rel: elemTol, abs: 8 * eps * float64(max(n, 1))} }

func compare(t *testing.T, what string, got, want []tensor.Float, tl tol) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) && math.IsNaN(w) || g == w {
			continue
		}
		if tl != exact && math.Abs(g-w) <= tl.abs+tl.rel*math.Abs(w) {
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("%s: element %d = %v, want %v (diff %.3g)", what, i, g, w, g-w)
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d elements differ in all", what, bad)
	}
}

func uniform(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float(2*rng.Float64() - 1)
	}
	return d
}

// wide draws magnitudes up to 100, where exponentials in a careless
// sigmoid overflow.
func wide(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float((2*rng.Float64() - 1) * math.Pow(10, 2*rng.Float64()))
	}
	return d
}

func positive(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float(0.5 + rng.Float64())
	}
	return d
}

func indices(rng *rand.Rand, n, bound int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = rng.IntN(bound)
	}
	return idx
}

// onBackend copies host matrices into fresh step matrices of be.
func onBackend(be autograd.Backend, hs ...*tensor.Dense) []*tensor.Dense {
	ds := make([]*tensor.Dense, len(hs))
	for i, h := range hs {
		ds[i] = be.NewUninit(h.R, h.C)
		be.Upload(ds[i], h)
	}
	return ds
}

func download(be autograd.Backend, d *tensor.Dense) *tensor.Dense {
	h := tensor.New(d.R, d.C)
	be.Download(h, d)
	return h
}

// ---- conformance of every method

// opCase is one call of the Backend: every matrix of in goes to both
// backends, run calls the method on them, and the matrices numbered in
// check are compared afterwards.
type opCase struct {
	name  string
	in    []*tensor.Dense
	run   func(be autograd.Backend, m []*tensor.Dense)
	check []int
	tol   tol
}

// oddShapes are the element-wise cases' shapes: a long odd row length, a
// single element, an empty matrix and a small one.
var oddShapes = [][2]int{{37, 1001}, {1, 1}, {0, 5}, {3, 7}}

func opCases(rng *rand.Rand) []opCase {
	var cs []opCase
	add := func(c opCase) { cs = append(cs, c) }
	shape := func(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }
	binaryNames := []string{"add", "sub", "mul"}

	for _, s := range oddShapes {
		r, c := s[0], s[1]
		for op := autograd.OpAdd; op <= autograd.OpMul; op++ {
			add(opCase{"Binary/" + binaryNames[op] + "/" + shape(s),
				[]*tensor.Dense{uniform(rng, r, c), uniform(rng, r, c), uniform(rng, r, c)},
				func(be autograd.Backend, m []*tensor.Dense) { be.Binary(op, m[2], m[0], m[1]) }, []int{2}, exact})
			add(opCase{"Binary/" + binaryNames[op] + "/out=a/" + shape(s),
				[]*tensor.Dense{uniform(rng, r, c), uniform(rng, r, c)},
				func(be autograd.Backend, m []*tensor.Dense) { be.Binary(op, m[0], m[0], m[1]) }, []int{0}, exact})
		}
		for _, u := range []struct {
			name string
			op   autograd.UnaryOp
			p    tensor.Float
			gen  func(*rand.Rand, int, int) *tensor.Dense
			tol  tol
		}{
			{"scale", autograd.OpScale, -0.375, uniform, exact},
			{"addconst", autograd.OpAddConst, 0.7, uniform, exact},
			{"square", autograd.OpSquare, 0, uniform, exact},
			{"exp", autograd.OpExp, 0, uniform, elem},
			{"log", autograd.OpLog, 0, positive, elem},
			{"log-nan", autograd.OpLog, 0, uniform, elem},
			{"pow-half", autograd.OpPow, 0.5, positive, elem},
			{"pow-minus1", autograd.OpPow, -1, positive, elem},
			{"pow-3", autograd.OpPow, 3, uniform, elem},
			{"sin", autograd.OpSin, 0, uniform, elem},
			{"cos", autograd.OpCos, 0, uniform, elem},
			{"tanh", autograd.OpTanh, 0, wide, elem},
			{"sigmoid", autograd.OpSigmoid, 0, wide, elem},
			{"silu", autograd.OpSiLU, 0, wide, elem},
			{"silu_grad", autograd.OpSiLUGrad, 0, wide, elem},
			{"silu_grad2", autograd.OpSiLUGrad2, 0, wide, elem},
		} {
			add(opCase{"Unary/" + u.name + "/" + shape(s),
				[]*tensor.Dense{u.gen(rng, r, c), uniform(rng, r, c)},
				func(be autograd.Backend, m []*tensor.Dense) { be.Unary(u.op, m[1], m[0], u.p) }, []int{1}, u.tol})
		}
		add(opCase{"Unary/exp/out=x/" + shape(s), []*tensor.Dense{uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.Unary(autograd.OpExp, m[0], m[0], 0) }, []int{0}, elem})
		for op := autograd.OpAdd; op <= autograd.OpMul; op++ {
			add(opCase{"RowBinary/" + binaryNames[op] + "/" + shape(s),
				[]*tensor.Dense{uniform(rng, r, c), uniform(rng, 1, c), uniform(rng, r, c)},
				func(be autograd.Backend, m []*tensor.Dense) { be.RowBinary(op, m[2], m[0], m[1]) }, []int{2}, exact})
		}
		add(opCase{"ColMul/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, r, 1), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.ColMul(m[2], m[0], m[1]) }, []int{2}, exact})
		// One to three terms, the last case writing over its first term.
		for n := 1; n <= autograd.MaxColMulSumTerms; n++ {
			in := []*tensor.Dense{uniform(rng, r, c)}
			for range n {
				in = append(in, uniform(rng, r, c), uniform(rng, r, 1))
			}
			add(opCase{fmt.Sprintf("ColMulSum/%d/%s", n, shape(s)), in,
				func(be autograd.Backend, m []*tensor.Dense) {
					var xs, cols []*tensor.Dense
					for i := 1; i < len(m); i += 2 {
						xs, cols = append(xs, m[i]), append(cols, m[i+1])
					}
					be.ColMulSum(m[0], xs, cols)
				}, []int{0}, elem})
		}
		add(opCase{"ColMulSum/out=x0/" + shape(s),
			[]*tensor.Dense{uniform(rng, r, c), uniform(rng, r, 1), uniform(rng, r, c), uniform(rng, r, 1)},
			func(be autograd.Backend, m []*tensor.Dense) {
				be.ColMulSum(m[0], []*tensor.Dense{m[0], m[2]}, []*tensor.Dense{m[1], m[3]})
			}, []int{0}, elem})
		add(opCase{"BroadcastRows/" + shape(s), []*tensor.Dense{uniform(rng, 1, c), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.BroadcastRows(m[1], m[0]) }, []int{1}, exact})
		add(opCase{"BroadcastCols/" + shape(s), []*tensor.Dense{uniform(rng, r, 1), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.BroadcastCols(m[1], m[0]) }, []int{1}, exact})
		add(opCase{"BroadcastAll/" + shape(s), []*tensor.Dense{uniform(rng, 1, 1), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.BroadcastAll(m[1], m[0]) }, []int{1}, exact})
		add(opCase{"Fill/" + shape(s), []*tensor.Dense{uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.Fill(m[0], -2.5) }, []int{0}, exact})
		add(opCase{"Copy/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.Copy(m[1], m[0]) }, []int{1}, exact})
		add(opCase{"Lerp/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.Lerp(m[0], m[1], 0.1, 1.5) }, []int{0}, elem})
		add(opCase{"Adam/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, r, c), uniform(rng, r, c), positive(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) {
				be.Adam(m[0], m[1], m[2], m[3], 1e-3/(1-0.5), 0.5, 0.9, tensor.Float(1/math.Sqrt(1-0.81)), 1e-8)
			}, []int{0, 2, 3}, elem})
		add(opCase{"Normal/" + shape(s), []*tensor.Dense{uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.Normal(m[0], 0xdeadbeef) }, []int{0}, elem})

		// The masks: ±0, ±NaN, tiny values of both signs and ordinary ones.
		ref := uniform(rng, r, c)
		special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Copysign(math.NaN(), -1), 1e-30, -1e-30}
		for i := range ref.Data {
			if rng.IntN(3) == 0 {
				ref.Data[i] = tensor.Float(special[rng.IntN(len(special))])
			}
		}
		add(opCase{"MaskedScale/" + shape(s), []*tensor.Dense{uniform(rng, r, c), ref, tensor.FromSlice(1, 1, []tensor.Float{0.25}), uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.MaskedScale(m[3], m[0], m[1], m[2]) }, []int{3}, exact})
		add(opCase{"ZeroWherePositive/" + shape(s), []*tensor.Dense{uniform(rng, r, c), ref, uniform(rng, r, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.ZeroWherePositive(m[2], m[0], m[1]) }, []int{2}, exact})
	}

	// Reductions: long rows (a block per row), short ones (a warp per
	// row), the boundary between them, many rows of few columns (the
	// chunked column sums), single elements and empty matrices.
	for _, s := range [][2]int{{37, 1001}, {1000, 3}, {1, 4099}, {300, 256}, {300, 257}, {5000, 3}, {4099, 1}, {1, 1}, {5, 0}, {0, 4}, {33, 7}} {
		r, c := s[0], s[1]
		add(opCase{"SumRows/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, r, 1)},
			func(be autograd.Backend, m []*tensor.Dense) { be.SumRows(m[1], m[0]) }, []int{1}, sumTol(c)})
		add(opCase{"SumCols/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, 1, c)},
			func(be autograd.Backend, m []*tensor.Dense) { be.SumCols(m[1], m[0]) }, []int{1}, sumTol(r)})
		add(opCase{"SumAll/" + shape(s), []*tensor.Dense{uniform(rng, r, c), uniform(rng, 1, 1)},
			func(be autograd.Backend, m []*tensor.Dense) { be.SumAll(m[1], m[0]) }, []int{1}, sumTol(r * c)})
		// Terms (x−mean)²·e^(−logVar) + logVar + log 2π lie in (0.8, 14).
		add(opCase{"GaussianLogPDF/" + shape(s),
			[]*tensor.Dense{uniform(rng, r, c), uniform(rng, r, c), uniform(rng, r, c), uniform(rng, r, 1)},
			func(be autograd.Backend, m []*tensor.Dense) { be.GaussianLogPDF(m[3], m[0], m[1], m[2]) },
			[]int{3}, tol{rel: elemTol, abs: 16 * sumTol(c).abs}})
	}
	add(opCase{"SumAll/1000x1001", []*tensor.Dense{uniform(rng, 1000, 1001), uniform(rng, 1, 1)},
		func(be autograd.Backend, m []*tensor.Dense) { be.SumAll(m[1], m[0]) }, []int{1}, sumTol(1000 * 1001)})

	// Products in every transposition, with odd, unit and empty sizes
	// (k = 0 must give zeros).
	for _, d := range [][3]int{{37, 13, 1001}, {1, 1, 1}, {64, 65, 66}, {0, 3, 4}, {4, 0, 3}, {4, 3, 0}} {
		m, n, k := d[0], d[1], d[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			ar, ac, br, bc := m, k, k, n
			if tr[0] {
				ar, ac = k, m
			}
			if tr[1] {
				br, bc = n, k
			}
			add(opCase{fmt.Sprintf("Gemm/%v%v/m%d-n%d-k%d", tr[0], tr[1], m, n, k),
				[]*tensor.Dense{uniform(rng, ar, ac), uniform(rng, br, bc), uniform(rng, m, n)},
				func(be autograd.Backend, x []*tensor.Dense) { be.Gemm(tr[0], tr[1], x[0], x[1], x[2]) }, []int{2}, sumTol(k)})
		}
	}

	// Column copies, gathers and scatters; the scatters add into outputs
	// that hold values already, with repeated indices and targets that no
	// index reaches.
	add(opCase{"CopyCols", []*tensor.Dense{uniform(rng, 37, 1001), uniform(rng, 37, 50)},
		func(be autograd.Backend, m []*tensor.Dense) { be.CopyCols(m[1], 3, m[0], 900, 40) }, []int{1}, exact})
	add(opCase{"CopyCols/width0", []*tensor.Dense{uniform(rng, 37, 11), uniform(rng, 37, 5)},
		func(be autograd.Backend, m []*tensor.Dense) { be.CopyCols(m[1], 5, m[0], 0, 0) }, []int{1}, exact})
	rowIdx, colIdx := indices(rng, 37, 10), indices(rng, 25, 10)
	for i := range 4 { // rows 8 and 9 and column 9 get nothing
		rowIdx[i] = 3
		colIdx[i] = 2
	}
	for i := range rowIdx {
		rowIdx[i] %= 8
	}
	for i := range colIdx {
		colIdx[i] %= 9
	}
	inRowGather, inRowScatter := indices(rng, 37*6, 10), indices(rng, 37*10, 6)
	add(opCase{"GatherRows", []*tensor.Dense{uniform(rng, 10, 33), uniform(rng, 37, 33)},
		func(be autograd.Backend, m []*tensor.Dense) { be.GatherRows(m[1], m[0], rowIdx) }, []int{1}, exact})
	add(opCase{"ScatterRows", []*tensor.Dense{uniform(rng, 37, 33), uniform(rng, 10, 33)},
		func(be autograd.Backend, m []*tensor.Dense) { be.ScatterRows(m[1], m[0], rowIdx) }, []int{1}, exact})
	add(opCase{"GatherCols", []*tensor.Dense{uniform(rng, 37, 10), uniform(rng, 37, 25)},
		func(be autograd.Backend, m []*tensor.Dense) { be.GatherCols(m[1], m[0], colIdx) }, []int{1}, exact})
	add(opCase{"ScatterCols", []*tensor.Dense{uniform(rng, 37, 25), uniform(rng, 37, 10)},
		func(be autograd.Backend, m []*tensor.Dense) { be.ScatterCols(m[1], m[0], colIdx) }, []int{1}, exact})
	add(opCase{"GatherInRows", []*tensor.Dense{uniform(rng, 37, 10), uniform(rng, 37, 6)},
		func(be autograd.Backend, m []*tensor.Dense) { be.GatherInRows(m[1], m[0], inRowGather) }, []int{1}, exact})
	add(opCase{"ScatterInRows", []*tensor.Dense{uniform(rng, 37, 10), uniform(rng, 37, 6)},
		func(be autograd.Backend, m []*tensor.Dense) { be.ScatterInRows(m[1], m[0], inRowScatter) }, []int{1}, exact})
	// A map with repeated sources, an output column no term reaches and
	// one of several terms (autograd.ColMap).
	colMap := autograd.NewColMap(25, 10, []autograd.ColTerm{
		{From: 3, To: 0, W: 0.25}, {From: 24, To: 0, W: -1.5}, {From: 3, To: 2, W: 2},
		{From: 0, To: 9, W: 1}, {From: 7, To: 5, W: 0.75}, {From: 8, To: 5, W: 0.125}, {From: 9, To: 5, W: 3},
	})
	add(opCase{"MapCols", []*tensor.Dense{uniform(rng, 37, 25), uniform(rng, 37, 10)},
		func(be autograd.Backend, m []*tensor.Dense) { be.MapCols(m[1], m[0], colMap) }, []int{1}, elem}) // multiply-adds may be contracted
	add(opCase{"MapCols/transpose", []*tensor.Dense{uniform(rng, 37, 10), uniform(rng, 37, 25)},
		func(be autograd.Backend, m []*tensor.Dense) { be.MapCols(m[1], m[0], colMap.T()) }, []int{1}, elem})
	// Batch products: 5 blocks, every transposition.
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		ar, ac, br, bc := 3, 7, 7, 4
		if tr[0] {
			ar, ac = ac, ar
		}
		if tr[1] {
			br, bc = bc, br
		}
		add(opCase{fmt.Sprintf("GemmBatched/%v", tr), []*tensor.Dense{uniform(rng, 5*ar, ac), uniform(rng, 5*br, bc), uniform(rng, 5*3, 4)},
			func(be autograd.Backend, m []*tensor.Dense) { be.GemmBatched(tr[0], tr[1], 5, m[0], m[1], m[2]) }, []int{2}, sumTol(7)})
	}
	withNaN := uniform(rng, 37, 300)
	withNaN.Data[5*300+17] = tensor.Float(math.NaN())
	add(opCase{"MaxRows", []*tensor.Dense{withNaN, uniform(rng, 37, 1)},
		func(be autograd.Backend, m []*tensor.Dense) { be.MaxRows(m[1], m[0]) }, []int{1}, exact})
	add(opCase{"MaxRows/empty", []*tensor.Dense{uniform(rng, 3, 0), uniform(rng, 3, 1)},
		func(be autograd.Backend, m []*tensor.Dense) { be.MaxRows(m[1], m[0]) }, []int{1}, exact})
	add(opCase{"GatherRows/empty", []*tensor.Dense{uniform(rng, 10, 33), uniform(rng, 0, 33)},
		func(be autograd.Backend, m []*tensor.Dense) { be.GatherRows(m[1], m[0], nil) }, []int{1}, exact})
	add(opCase{"ScatterRows/empty", []*tensor.Dense{uniform(rng, 0, 33), uniform(rng, 10, 33)},
		func(be autograd.Backend, m []*tensor.Dense) { be.ScatterRows(m[1], m[0], nil) }, []int{1}, exact})
	return cs
}

// TestBackendMatchesCPU runs every method of the Backend on the CPU
// backend and on the device one and compares the results.
func TestBackendMatchesCPU(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		cs := opCases(rand.New(rand.NewPCG(1, 2)))
		for _, c := range cs {
			cpu := autograd.NewCPU()
			be.Reset()
			mc, mg := onBackend(cpu, c.in...), onBackend(be, c.in...)
			c.run(cpu, mc)
			c.run(be, mg)
			for _, i := range c.check {
				compare(t, fmt.Sprintf("%s: matrix %d", c.name, i), download(be, mg[i]).Data, mc[i].Data, c.tol)
			}
			if err := be.Err(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		t.Logf("%d cases", len(cs))
	})
}

// TestBackendIsDeterministic runs the reductions and scatters twice on
// the same inputs: the results must agree bit for bit.
func TestBackendIsDeterministic(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		rng := rand.New(rand.NewPCG(3, 4))
		x, y := uniform(rng, 5000, 37), uniform(rng, 5000, 37)
		idx := indices(rng, 5000, 7)
		run := func() []tensor.Float {
			be.Reset()
			m := onBackend(be, x, y)
			d := m[0]
			sr, sc, sa, sct, gl := be.New(5000, 1), be.New(1, 37), be.New(1, 1), be.New(7, 37), be.New(5000, 1)
			be.SumRows(sr, d)
			be.SumCols(sc, d)
			be.SumAll(sa, d)
			be.ScatterRows(sct, d, idx)
			be.GaussianLogPDF(gl, d, m[1], m[1])
			var out []tensor.Float
			for _, m := range []*tensor.Dense{sr, sc, sa, sct, gl} {
				out = append(out, download(be, m).Data...)
			}
			return out
		}
		a, b := run(), run()
		compare(t, "second run", b, a, exact)
	})
}

// TestBackendNormal checks the normal stream: the CPU's values (above),
// here its statistics and its dependence on the seed alone.
func TestBackendNormal(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		const n = 100_001
		draw := func(seed uint64) []tensor.Float {
			d := be.NewUninit(1, n)
			be.Normal(d, seed)
			return download(be, d).Data
		}
		x := draw(42)
		var s, s2 float64
		for _, v := range x {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		mean := s / n
		variance := s2/n - mean*mean
		t.Logf("mean %.4f, variance %.4f", mean, variance)
		if math.Abs(mean) > 0.015 || math.Abs(variance-1) > 0.03 { // 5 standard errors
			t.Errorf("mean %v, variance %v: not N(0, 1)", mean, variance)
		}
		compare(t, "same seed", draw(42), x, exact)
		y := draw(43)
		same := 0
		for i := range x {
			if x[i] == y[i] {
				same++
			}
		}
		if same > 10 {
			t.Errorf("seeds 42 and 43 share %d of %d values", same, n)
		}
		a, b := autograd.NormalPair(42, n/2)
		compare(t, "last element", x[n-1:], []tensor.Float{tensor.Float(a)}, elem)
		_ = b
	})
}

// TestBackendStepMemory checks the arena: New zeroes reused memory, Reset
// hands the same addresses and headers out again, views share storage,
// and a steady-state step allocates nothing on the Go heap for headers.
func TestBackendStepMemory(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		be.Reset()
		a := be.New(3, 5)
		be.Fill(a, 7)
		b := be.NewUninit(0, 4)
		if !a.OnDevice() || !b.OnDevice() {
			t.Fatalf("step matrices %+v and %+v are not on the device", a, b)
		}
		if a.Dev%256 != 0 {
			t.Errorf("address %#x is not 256-byte aligned", a.Dev)
		}
		be.Reset()
		a2 := be.New(3, 5)
		if a2 != a || a2.Dev != a.Dev {
			t.Errorf("after Reset: header %p at %#x, want %p at %#x reused", a2, a2.Dev, a, a.Dev)
		}
		compare(t, "New after Reset", download(be, a2).Data, make([]tensor.Float, 15), exact)

		v := be.View(a2, 5, 3)
		if v.R != 5 || v.C != 3 || v.Dev != a2.Dev {
			t.Errorf("View: %+v of %+v", v, a2)
		}
		p := be.Alloc(2, 3)
		compare(t, "Alloc", download(be, p).Data, make([]tensor.Float, 6), exact)
		be.Fill(p, 3)
		pv := be.View(p, 3, 2)
		be.Reset()
		be.New(2, 3) // reuses step headers; the view of p must survive
		if pv.Dev != p.Dev || pv.R != 3 {
			t.Errorf("view of a persistent matrix changed after Reset: %+v", pv)
		}
		compare(t, "persistent after Reset", download(be, pv).Data, []tensor.Float{3, 3, 3, 3, 3, 3}, exact)
		if z := be.Alloc(0, 3); !z.OnDevice() {
			t.Errorf("empty Alloc %+v is not a device matrix", z)
		}

		// Larger than a slab: the arena takes a bigger one, then (first
		// in a step) replaces its first slab by one that is large enough.
		for range 2 {
			big := be.NewUninit(1, 20<<20)
			be.Fill(big, 1)
			s := be.New(1, 1)
			be.SumAll(s, big)
			if got := download(be, s).Data[0]; got != 20<<20 {
				t.Errorf("sum of %d ones = %v", 20<<20, got)
			}
			be.Reset()
		}

		be.Reset()
		allocs := testing.AllocsPerRun(20, func() {
			be.Reset()
			for range 100 {
				be.NewUninit(16, 16)
			}
			be.View(be.NewUninit(4, 4), 2, 8)
		})
		if allocs != 0 {
			t.Errorf("a step of 101 matrices and a view allocates %v times on the Go heap", allocs)
		}
		if err := be.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// ---- errors

// failingRuntime hands out fake addresses and fails every call once fail
// is set, counting the calls it gets.
type failingRuntime struct {
	next  cuda.Ptr
	fail  bool
	calls int
}

var errInjected = fmt.Errorf("injected failure")

func (f *failingRuntime) do() error {
	f.calls++
	if f.fail {
		return errInjected
	}
	return nil
}

func (f *failingRuntime) MemAlloc(bytes int) (cuda.Ptr, error) {
	if err := f.do(); err != nil {
		return 0, err
	}
	f.next += 1 << 40
	return f.next, nil
}
func (f *failingRuntime) MemFree(cuda.Ptr) error                            { return nil }
func (f *failingRuntime) CopyHtoD(cuda.Ptr, unsafe.Pointer, int) error      { return f.do() }
func (f *failingRuntime) CopyDtoH(unsafe.Pointer, cuda.Ptr, int) error      { return f.do() }
func (f *failingRuntime) CopyDtoD(cuda.Ptr, cuda.Ptr, int) error            { return f.do() }
func (f *failingRuntime) Launch(string, [3]uint32, [3]uint32, ...any) error { return f.do() }
func (f *failingRuntime) GemmPtr(bool, bool, int, int, int, float64, cuda.Ptr, cuda.Ptr, float64, cuda.Ptr) error {
	return f.do()
}
func (f *failingRuntime) Synchronize() error { return f.do() }

func TestBackendErrIsSticky(t *testing.T) {
	rt := &failingRuntime{}
	be := cuda.NewBackend(rt)
	a, b := be.New(4, 4), be.New(4, 4)
	if err := be.Err(); err != nil {
		t.Fatal(err)
	}
	rt.fail = true
	be.Binary(autograd.OpAdd, a, a, b)
	if err := be.Err(); err != errInjected {
		t.Fatalf("Err() = %v after a failed launch, want the injected error", err)
	}
	rt.fail = false
	calls := rt.calls
	c := be.New(4, 4)
	be.Gemm(false, false, a, b, c)
	be.SumAll(be.New(1, 1), c)
	// The image operations keep the contract too.
	be.GemmBatched(false, true, 2, a, b, be.New(4, 2))
	be.MaxRows(be.New(4, 1), c)
	be.MapCols(be.New(4, 2), c, autograd.NewColMap(4, 2, []autograd.ColTerm{{From: 3, To: 1, W: 0.5}}))
	be.Unary(autograd.OpSiLU, c, c, 0)
	be.Download(tensor.New(4, 4), c)
	if rt.calls != calls {
		t.Errorf("the failed backend made %d more runtime calls", rt.calls-calls)
	}
	if err := be.Synchronize(); err != errInjected {
		t.Errorf("Synchronize() = %v, want the first error", err)
	}
	if err := be.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestBackendPanicsOnProgrammingErrors(t *testing.T) {
	be := cuda.NewBackend(&failingRuntime{})
	a, b := be.New(2, 3), be.New(3, 2)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"shape", func() { be.Binary(autograd.OpAdd, a, a, b) }, "3×2 matrix where 2×3 belongs"},
		{"host matrix", func() { be.Binary(autograd.OpAdd, a, a, tensor.New(2, 3)) }, "host matrix"},
		{"gemm", func() { be.Gemm(false, false, a, a, be.New(2, 3)) }, "Gemm"},
		{"index", func() { be.GatherRows(be.New(1, 3), a, []int{2}) }, "index 2 outside [0, 2)"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%s: panic %v, want one containing %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestOpcodesHeaderIsFresh: the operation codes the kernels switch on are
// generated from autograd's lists (go generate ./core/cuda).
func TestOpcodesHeaderIsFresh(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("kernels", "opcodes.cuh"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, opcodes.Header()) {
		t.Fatal("kernels/opcodes.cuh differs from autograd's operation lists: run `go generate ./core/cuda` (needs nvcc) and commit it with the PTX")
	}
}
