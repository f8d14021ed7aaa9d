package cuda_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Graph-level checks: the same small models built with
// autograd.NewGraphOn on the CPU and on the device backend must give the
// same values, first-order gradients and gradients of a gradient penalty
// (Grad with createGraph, differentiated again into the weights).

// graphTol is looser than an element-wise tolerance: every value passes
// through several products and sums added in different orders.
var graphTol = map[bool]tol{false: {rel: 2e-4, abs: 2e-4}, true: {rel: 1e-10, abs: 1e-10}}[tensor.Is64]

// model builds a scalar loss from leaves holding the inputs and returns
// the nodes to compare: the loss's parts and gradients.
type model func(g *autograd.Graph, leaves []*autograd.Node) []*autograd.Node

// runModel evaluates m on graph g (backend be) with leaves holding the
// host values, and returns every output on the host.
func runModel(g *autograd.Graph, be autograd.Backend, m model, values []*tensor.Dense) []*tensor.Dense {
	leaves := make([]*autograd.Node, len(values))
	for i, v := range values {
		leaves[i] = g.Leaf(onBackend(be, v)[0])
	}
	outs := m(g, leaves)
	hs := make([]*tensor.Dense, len(outs))
	for i, o := range outs {
		if o == nil {
			panic(fmt.Sprintf("output %d is nil (no dependence)", i))
		}
		hs[i] = g.HostValue(o).Clone()
	}
	return hs
}

func compareModels(t *testing.T, be *cuda.Backend, names []string, m model, values []*tensor.Dense) {
	t.Helper()
	want := runModel(autograd.NewGraphOn(autograd.NewCPU()), autograd.NewCPU(), m, values)
	for step := range 2 { // the second step runs on reused step memory
		be.Reset()
		g := autograd.NewGraphOn(be)
		got := runModel(g, be, m, values)
		if err := be.Err(); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			// Scale the tolerance to the output's magnitude.
			scale := 0.0
			for _, v := range want[i].Data {
				scale = max(scale, math.Abs(float64(v)))
			}
			tl := graphTol
			tl.abs *= max(scale, 1)
			compare(t, fmt.Sprintf("step %d: %s", step, names[i]), got[i].Data, want[i].Data, tl)
		}
	}
}

// TestGraphPReLUPenaltyMatchesCPU: a 2-layer PReLU MLP energy E(x), the
// penalty ‖∇ₓE‖² and the gradients of E + ½‖∇ₓE‖² in every weight.
func TestGraphPReLUPenaltyMatchesCPU(t *testing.T) {
	const batch, in, hidden = 37, 13, 29
	rng := rand.New(rand.NewPCG(11, 12))
	values := []*tensor.Dense{
		uniform(rng, batch, in),  // x
		uniform(rng, in, hidden), // w1
		uniform(rng, 1, hidden),  // b1
		tensor.Full(1, 1, 0.2),   // PReLU slope
		uniform(rng, hidden, 1),  // w2
		uniform(rng, 1, 1),       // b2
	}
	m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
		x, w1, b1, a, w2, b2 := l[0], l[1], l[2], l[3], l[4], l[5]
		h := g.PReLU(g.AddRow(g.MatMul(x, w1, false, false), b1), a)
		e := g.AddRow(g.MatMul(h, w2, false, false), b2) // batch×1 energies
		E := g.SumAll(e)
		gx := g.Grad(E, []*autograd.Node{x}, true)[0]
		P := g.SumAll(g.Square(gx))
		L := g.Add(E, g.Scale(P, 0.5))
		grads := g.Grad(L, []*autograd.Node{w1, b1, a, w2, b2, x}, false)
		return append([]*autograd.Node{E, P, gx}, grads...)
	}
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂w1", "∂L/∂b1", "∂L/∂a", "∂L/∂w2", "∂L/∂b2", "∂L/∂x"}, m, values)
	})
}

// TestGraphOperationsMatchCPU runs the rest of the graph's operations
// (element-wise functions, broadcasts, column surgery, reshapes, gathers
// and scatters) through first and second derivatives.
func TestGraphOperationsMatchCPU(t *testing.T) {
	const batch, d, hidden = 8, 3, 5
	rng := rand.New(rand.NewPCG(13, 14))
	values := []*tensor.Dense{
		uniform(rng, batch, d),   // x
		uniform(rng, d, hidden),  // w
		uniform(rng, 1, hidden),  // b
		positive(rng, 1, hidden), // s
		positive(rng, batch, 1),  // c
	}
	perm := []int{2, 0, 1, 1}
	rowIdx := []int{7, 0, 3, 3, 5, 1, 2, 6, 4, 0}
	inRows := indices(rng, batch*4, 6)
	m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
		x, w, b, s, c := l[0], l[1], l[2], l[3], l[4]
		h := g.MulRow(g.Sin(g.AddRow(g.MatMul(x, w, false, false), b)), s) // batch×hidden
		cat := g.ConcatCols(h, g.Exp(g.Scale(x, 0.3)))                     // batch×8
		sl := g.SliceCols(cat, 1, hidden+d-1)                              // batch×6
		sq := g.Reshape(g.Square(g.Reshape(sl, 2*batch, 3)), batch, 6)     // batch×6
		p := g.GatherInRows(sq, inRows, 4)                                 // batch×4
		q := g.Pow(g.AddConst(g.Square(p), 1), 1.5)                        // batch×4
		r := g.MulCol(q, g.Log(g.AddConst(g.SumRows(q), 1)))               // batch×4
		u := g.ScatterRows(g.GatherRows(r, rowIdx), rowIdx, batch)         // batch×4
		v := g.ScatterCols(g.Cos(g.GatherCols(x, perm)), perm, d)          // batch×3
		pad := g.PadCols(v, 1, 4)                                          // batch×4
		z := g.Mul(g.Add(u, pad), g.BroadcastCols(c, 4))                   // batch×4
		z = g.Sub(z, g.BroadcastRows(g.SumCols(z), batch))
		z = g.Add(z, g.BroadcastAll(g.SumAll(g.MulCol(x, c)), batch, 4))
		z = g.ScatterInRows(z, indices(rand.New(rand.NewPCG(1, 1)), batch*4, 5), 5)
		E := g.SumAll(g.Square(z))
		gx := g.Grad(E, []*autograd.Node{x}, true)[0]
		P := g.SumAll(g.Square(gx))
		grads := g.Grad(g.Add(E, g.Scale(P, 0.1)), []*autograd.Node{w, b, s, c, x}, false)
		return append([]*autograd.Node{E, P, gx}, grads...)
	}
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂w", "∂L/∂b", "∂L/∂s", "∂L/∂c", "∂L/∂x"}, m, values)
	})
}

// TestConvolutionsMatchCPU differentiates twice a stack of the windows the
// image networks use (3×3 padded, 4×4 stride 2 padded, 1×1), on an odd
// image size, batch 1 and 3.
func TestConvolutionsMatchCPU(t *testing.T) {
	in := autograd.Image{H: 5, W: 7, C: 3}
	p1 := autograd.NewPatches(in, autograd.Window{KH: 3, KW: 3, Pad: 1})
	p2 := autograd.NewPatches(p1.Out(4), autograd.Window{KH: 4, KW: 4, Stride: 2, Pad: 1})
	p3 := autograd.NewPatches(p2.Out(2), autograd.Window{KH: 1, KW: 1})
	for _, batch := range []int{1, 3} {
		rng := rand.New(rand.NewPCG(15, uint64(batch)))
		values := []*tensor.Dense{
			uniform(rng, batch, in.Size()), // x
			uniform(rng, p1.Len(), 4),      // w1
			uniform(rng, 1, 4),             // b1
			uniform(rng, p2.Len(), 2),      // w2
			uniform(rng, p3.Len(), 1),      // w3
		}
		conv := func(g *autograd.Graph, x, w *autograd.Node, p *autograd.Patches) *autograd.Node {
			return g.Conv(x, w, p)
		}
		m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
			x, w1, b1, w2, w3 := l[0], l[1], l[2], l[3], l[4]
			h := g.Sin(g.Reshape(g.AddRow(g.Reshape(conv(g, x, w1, p1), batch*p1.Positions(), 4), b1), batch, p1.Positions()*4))
			E := g.SumAll(g.Square(conv(g, g.Cos(conv(g, h, w2, p2)), w3, p3)))
			gx := g.Grad(E, []*autograd.Node{x}, true)[0]
			P := g.SumAll(g.Square(gx))
			grads := g.Grad(g.Add(E, g.Scale(P, 0.1)), []*autograd.Node{w1, b1, w2, w3, x}, false)
			return append([]*autograd.Node{E, P, gx}, grads...)
		}
		t.Run(fmt.Sprintf("batch%d", batch), func(t *testing.T) {
			forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
				compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂w1", "∂L/∂b1", "∂L/∂w2", "∂L/∂w3", "∂L/∂x"}, m, values)
			})
		})
	}
}

// TestResamplingMatchesCPU differentiates twice a chain of the image
// resamplings (FIR and mean-pool down, FIR and nearest up, FIR blur) on an
// odd image size.
func TestResamplingMatchesCPU(t *testing.T) {
	in := autograd.Image{H: 6, W: 5, C: 3}
	down := autograd.FIRDown2(in)
	pool := autograd.AvgPool2(in)
	up := autograd.FIRUp2(down.Out)
	near := autograd.Upsample2(pool.Out)
	blur := autograd.FIRBlur(up.Out)
	rng := rand.New(rand.NewPCG(16, 17))
	values := []*tensor.Dense{uniform(rng, 2, in.Size()), uniform(rng, 2, in.Size())}
	m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
		x, w := l[0], l[1]
		a := g.Resample(g.Resample(g.Sin(g.Mul(x, w)), down), up)
		b := g.Resample(g.Resample(g.Cos(x), pool), near)
		E := g.SumAll(g.Square(g.Resample(g.Add(g.SliceCols(a, 0, b.Value.C), b), blur)))
		gx := g.Grad(E, []*autograd.Node{x}, true)[0]
		P := g.SumAll(g.Square(gx))
		grads := g.Grad(g.Add(E, g.Scale(P, 0.1)), []*autograd.Node{w, x}, false)
		return append([]*autograd.Node{E, P, gx}, grads...)
	}
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂w", "∂L/∂x"}, m, values)
	})
}

// TestGroupNormMatchesCPU differentiates twice an affine group norm (a
// learned γ, β and a per-image one) and a per-pixel embedding add, at
// batch 1 and 3.
func TestGroupNormMatchesCPU(t *testing.T) {
	in := autograd.Image{H: 3, W: 5, C: 6}
	gr := autograd.NewGroups(in, 3)
	for _, batch := range []int{1, 3} {
		rng := rand.New(rand.NewPCG(18, uint64(batch)))
		values := []*tensor.Dense{
			uniform(rng, batch, in.Size()), // x
			uniform(rng, 1, in.C),          // γ
			uniform(rng, 1, in.C),          // β
			uniform(rng, batch, in.C),      // per-image scale
			uniform(rng, batch, in.C),      // per-image embedding
		}
		m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
			x, gamma, beta, scale, emb := l[0], l[1], l[2], l[3], l[4]
			h := g.PerChannel(g.GroupNorm(x, gr, 1e-6), in, gamma, beta)
			h = g.PerChannel(g.SiLU(h), in, scale, emb)
			E := g.SumAll(g.Square(g.GroupNorm(h, gr, 1e-6)))
			E = g.Add(E, g.SumAll(g.Mul(h, x)))
			gx := g.Grad(E, []*autograd.Node{x}, true)[0]
			P := g.SumAll(g.Square(gx))
			grads := g.Grad(g.Add(E, g.Scale(P, 0.1)), []*autograd.Node{gamma, beta, scale, emb, x}, false)
			return append([]*autograd.Node{E, P, gx}, grads...)
		}
		t.Run(fmt.Sprintf("batch%d", batch), func(t *testing.T) {
			forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
				compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂γ", "∂L/∂β", "∂L/∂scale", "∂L/∂emb", "∂L/∂x"}, m, values)
			})
		})
	}
}

// TestAttentionMatchesCPU differentiates twice self-attention over the
// positions of each image (batch products and a softmax over keys), at
// batch 1 and 3 and an odd number of positions.
func TestAttentionMatchesCPU(t *testing.T) {
	const positions, channels = 7, 5
	for _, batch := range []int{1, 3} {
		rng := rand.New(rand.NewPCG(19, uint64(batch)))
		values := []*tensor.Dense{
			uniform(rng, batch*positions, channels), // x
			uniform(rng, channels, channels),        // w_q
			uniform(rng, channels, channels),        // w_k
			uniform(rng, channels, channels),        // w_v
		}
		m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
			x, wq, wk, wv := l[0], l[1], l[2], l[3]
			q, k, v := g.MatMul(x, wq, false, false), g.MatMul(x, wk, false, false), g.MatMul(x, wv, false, false)
			w := g.Softmax(g.Scale(g.BatchMatMul(q, k, batch, false, true), 0.4472))
			h := g.Add(x, g.BatchMatMul(w, v, batch, false, false))
			E := g.SumAll(g.Square(h))
			gx := g.Grad(E, []*autograd.Node{x}, true)[0]
			P := g.SumAll(g.Square(gx))
			grads := g.Grad(g.Add(E, g.Scale(P, 0.1)), []*autograd.Node{wq, wk, wv, x}, false)
			return append([]*autograd.Node{E, P, gx}, grads...)
		}
		t.Run(fmt.Sprintf("batch%d", batch), func(t *testing.T) {
			forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
				compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂w_q", "∂L/∂w_k", "∂L/∂w_v", "∂L/∂x"}, m, values)
			})
		})
	}
}

// TestChannelOpsMatchCPU differentiates twice a skip concatenation,
// channel sums and dropout (whose mask the device draws as the CPU does).
func TestChannelOpsMatchCPU(t *testing.T) {
	a, b := autograd.Image{H: 3, W: 5, C: 2}, autograd.Image{H: 3, W: 5, C: 3}
	rng := rand.New(rand.NewPCG(20, 21))
	values := []*tensor.Dense{uniform(rng, 2, a.Size()), uniform(rng, 2, b.Size())}
	m := func(g *autograd.Graph, l []*autograd.Node) []*autograd.Node {
		x, y := l[0], l[1]
		cat := g.ConcatChannels(g.Sin(x), a, g.Mul(y, y), b)
		h := g.Dropout(cat, 0.25, 7)
		E := g.Add(g.SumAll(g.Square(h)), g.SumAll(g.Square(g.ChannelSums(h, autograd.Image{H: 3, W: 5, C: 5}))))
		gx := g.Grad(E, []*autograd.Node{x}, true)[0]
		P := g.SumAll(g.Square(gx))
		grads := g.Grad(g.Add(E, g.Scale(P, 0.1)), []*autograd.Node{x, y}, false)
		return append([]*autograd.Node{E, P, gx}, grads...)
	}
	forEachRuntime(t, func(t *testing.T, be *cuda.Backend) {
		compareModels(t, be, []string{"E", "penalty", "∇ₓE", "∂L/∂x", "∂L/∂y"}, m, values)
	})
}
