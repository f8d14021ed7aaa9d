package autograd

import (
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

func TestNormalIsStandardAndSeeded(t *testing.T) {
	b := NewCPU()
	const n = 200001 // odd: the last pair is cut in half
	x, y := tensor.New(1, n), tensor.New(1, n)
	b.Normal(x, 7)
	b.Normal(y, 7)
	var sum, sq, cross float64
	for i, v := range x.Data {
		if v != y.Data[i] {
			t.Fatalf("element %d: %v then %v from the same seed", i, v, y.Data[i])
		}
		sum += float64(v)
		sq += float64(v) * float64(v)
		if i > 0 {
			cross += float64(v) * float64(x.Data[i-1])
		}
	}
	mean, variance, lag1 := sum/n, sq/n-(sum/n)*(sum/n), cross/(n-1)
	// Standard errors over 2·10⁵ values: 0.0022 for the mean and the lag-1
	// correlation, 0.0032 for the variance; 5σ bounds.
	if math.Abs(mean) > 0.011 || math.Abs(variance-1) > 0.016 || math.Abs(lag1) > 0.011 {
		t.Errorf("mean %.4f, variance %.4f, lag-1 correlation %.4f; want 0, 1, 0", mean, variance, lag1)
	}
	b.Normal(y, 8)
	same := 0
	for i, v := range x.Data {
		if v == y.Data[i] {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 7 and 8 agree on %d of %d values", same, n)
	}
}

// The operation lists that kernels take their codes from hold every
// code once, in order.
func TestOperationListsAreComplete(t *testing.T) {
	for i, op := range UnaryOps {
		if int(op) != i || strings.HasPrefix(op.String(), "UnaryOp(") {
			t.Errorf("UnaryOps[%d] = %v", i, op)
		}
	}
	if len(UnaryOps) != int(numUnaryOps) {
		t.Errorf("UnaryOps has %d of %d operations", len(UnaryOps), numUnaryOps)
	}
	for i, op := range BinaryOps {
		if int(op) != i || strings.HasPrefix(op.String(), "BinaryOp(") {
			t.Errorf("BinaryOps[%d] = %v", i, op)
		}
	}
	if len(BinaryOps) != int(numBinaryOps) {
		t.Errorf("BinaryOps has %d of %d operations", len(BinaryOps), numBinaryOps)
	}
}

// Sigmoid, SiLU and Tanh saturate without overflow or NaN.
func TestSaturatingFunctionsAtExtremes(t *testing.T) {
	x := tensor.FromSlice(1, 4, []tensor.Float{-1000, -40, 40, 1000})
	g := NewGraph()
	for _, c := range []struct {
		name string
		got  *tensor.Dense
		want []float64
	}{
		{"sigmoid", g.Sigmoid(g.Const(x)).Value, []float64{0, 4.248354255291589e-18, 1, 1}},
		{"silu", g.SiLU(g.Const(x)).Value, []float64{0, -1.6993417021166355e-16, 40, 1000}},
		{"silu'", g.siluGrad(g.Const(x)).Value, []float64{0, -1.6568581595637197e-16, 1, 1}},
		{"silu''", g.siluGrad2(g.Const(x)).Value, []float64{0, -1.6143746170108038e-16, 0, 0}},
		{"tanh", g.Tanh(g.Const(x)).Value, []float64{-1, -1, 1, 1}},
	} {
		for i, w := range c.want {
			if got := float64(c.got.Data[i]); math.Abs(got-w) > 1e-6*math.Max(1, math.Abs(w)) || math.IsNaN(got) {
				t.Errorf("%s(%v) = %v, want %v", c.name, x.Data[i], got, w)
			}
		}
	}
}

// Work split across goroutines covers every row exactly once, for any
// processor count, and a split operation computes what the serial one does.
func TestParallelSplitsCoverEveryRowOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 7} {
		runtime.GOMAXPROCS(procs)
		for _, rows := range []int{1, 5, 1000, 1 << 17} {
			seen := make([]int32, rows)
			inParallelRows(rows, 1000, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&seen[i], 1)
				}
			})
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("GOMAXPROCS %d, %d rows: row %d done %d times", procs, rows, i, n)
				}
			}
		}
		x := tensor.New(3, parallelElements)
		for i := range x.Data {
			x.Data[i] = tensor.Float(i%1000) / 100
		}
		out, want := tensor.New(3, parallelElements), tensor.New(3, parallelElements)
		NewCPU().Unary(OpSiLU, out, x, 0)
		tensor.SiLU(want.Data, x.Data)
		for i, v := range want.Data {
			if out.Data[i] != v {
				t.Fatalf("GOMAXPROCS %d: element %d is %v, want %v", procs, i, out.Data[i], v)
			}
		}
		// The row and column operations that split by rows.
		row := tensor.New(1, parallelElements)
		for j := range row.Data {
			row.Data[j] = tensor.Float(j)
		}
		cpu := NewCPU()
		cpu.RowBinary(OpAdd, out, x, row)
		cpu.CopyCols(want, 1, x, 0, parallelElements-1)
		for i, v := range x.Data {
			j := i % parallelElements
			if out.Data[i] != v+row.Data[j] || j > 0 && want.Data[i] != x.Data[i-1] {
				t.Fatalf("GOMAXPROCS %d: element %d: RowBinary %v, CopyCols %v", procs, i, out.Data[i], want.Data[i])
			}
		}
		cpu.BroadcastAll(out, tensor.FromSlice(1, 1, []tensor.Float{3}))
		for i, v := range out.Data {
			if v != 3 {
				t.Fatalf("GOMAXPROCS %d: BroadcastAll element %d is %v", procs, i, v)
			}
		}
	}
}
