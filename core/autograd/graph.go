package autograd

import (
	"fmt"
	"slices"

	"github.com/ddaebm/ddaebm/core/tensor"
)

type opKind uint8

const (
	opLeaf opKind = iota
	opMatMul
	opAdd
	opSub
	opMul
	opScale
	opAddConst
	opAddRow
	opMulRow
	opMulCol
	opSumRows
	opSumCols
	opSumAll
	opBroadcastRows
	opBroadcastCols
	opBroadcastAll
	opSquare
	opExp
	opLog
	opPow
	opSin
	opCos
	opTanh
	opSigmoid
	opSiLU
	opSiLUGrad
	opSiLUGrad2
	opMaskedScale
	opZeroWherePositive
	opConcatCols
	opSliceCols
	opPadCols
	opGatherRows
	opScatterRows
	opGatherCols
	opScatterCols
	opReshape
	opGatherInRows
	opScatterInRows
	opMulColSum
	opGaussianLogPDF
	opMapCols
	opBatchMatMul
	opConv
	opConvTranspose
	opConvWeights
	numOps
)

// backwardFunc propagates grad (the gradient flowing into n) to n's inputs
// by calling g.accumulate; it must use only recorded operations so that
// the result is differentiable again.
type backwardFunc func(g *Graph, n *Node, grad *Node)

// backwardOf is filled by each operation's file.
var backwardOf [numOps]backwardFunc

// Node is a value in a graph: an operation's output, a constant, a leaf
// that gradients are taken with respect to, or a parameter.
type Node struct {
	Value *tensor.Dense

	// Grad accumulates first-order gradients of parameters across Backward
	// calls (nil for other nodes); optimisers read and clear it.
	Grad *tensor.Dense
	Name string

	kind     opKind
	requires bool // depends on a leaf or parameter
	in       [2]*Node
	more     []*Node // inputs after the second (fused operations; see opN)
	grad     *Node   // gradient during a Grad call
	mark     uint64

	// operation attributes
	scalar tensor.Float
	ref    *tensor.Dense // mask reference for MaskedScale/ZeroWherePositive
	idx    []int         // row, column or within-row indices for Gather*/Scatter*
	colMap *ColMap       // MapCols' map
	patch  *Patches      // the convolutions' window
	a, b   int           // transpose flags, column ranges, broadcast sizes
}

// NewParam returns a trainable parameter holding value (kept, not copied).
func NewParam(name string, value *tensor.Dense) *Node {
	return &Node{Name: name, Value: value, Grad: tensor.New(value.R, value.C), requires: true}
}

// Graph records the operations of one step. It is not safe for
// concurrent use.
type Graph struct {
	be   Backend
	host tensor.Arena // HostTensor's memory when be is not the CPU
	// reuser serves allocations while a gradient is computed without
	// recording (reuse.go): g.be is then &reuser.
	reuser reuse
	// scratch holds the convolutions' working memory (conv.go), by slot
	// and size: persistent buffers reused by every step.
	scratch      map[[2]int]*tensor.Dense
	scratchViews map[[3]int]*tensor.Dense // shaped views of them, by slot and shape
	pixelImages  map[[2]int][]int         // PerChannel's index lists (groupnorm.go)
	done         <-chan struct{}          // set inside Interruptible (interrupt.go)
	nodes        []*Node                  // recorded nodes, in creation (hence topological) order
	pool         [][]Node
	npool        int
	record       bool
	epoch        uint64
}

// NewGraph returns an empty graph that records operations and computes
// on the CPU.
func NewGraph() *Graph { return NewGraphOn(NewCPU()) }

// NewGraphOn returns an empty graph that computes on the backend b.
func NewGraphOn(b Backend) *Graph { return &Graph{be: b, record: true} }

// Backend returns the backend the graph computes on.
func (g *Graph) Backend() Backend { return g.be }

// Reset forgets every node and value of the step; parameters are untouched.
func (g *Graph) Reset() {
	g.be.Reset()
	g.host.Reset()
	clear(g.nodes)
	g.nodes = g.nodes[:0]
	g.npool = 0
	g.record = true
}

// SetRecord turns recording on or off and returns the previous setting.
// With recording off every new node is a constant: use it for forward
// passes whose result is never differentiated (sampling, scoring,
// detached fakes), which then cost no graph memory.
func (g *Graph) SetRecord(on bool) (previous bool) {
	previous, g.record = g.record, on
	return previous
}

// Tensor returns a zeroed r×c matrix from the backend's step memory,
// valid until Reset.
func (g *Graph) Tensor(r, c int) *tensor.Dense { return g.be.New(r, c) }

// Const wraps v as a constant: no gradient flows into it.
func (g *Graph) Const(v *tensor.Dense) *Node {
	n := g.alloc()
	n.Value = v
	return n
}

// Leaf wraps v as an input that gradients can be taken with respect to.
func (g *Graph) Leaf(v *tensor.Dense) *Node {
	n := g.alloc()
	n.Value = v
	n.requires = true
	g.nodes = append(g.nodes, n)
	return n
}

func (g *Graph) alloc() *Node {
	if g.done != nil {
		g.checkInterrupt()
	}
	const chunk = 512
	i, j := g.npool/chunk, g.npool%chunk
	if i == len(g.pool) {
		g.pool = append(g.pool, make([]Node, chunk))
	}
	g.npool++
	n := &g.pool[i][j]
	*n = Node{}
	return n
}

// op creates the output node of an operation on the given inputs. The
// node remembers its inputs only when recording and when some input needs
// a gradient; otherwise it is a constant.
func (g *Graph) op(kind opKind, value *tensor.Dense, x, y *Node) *Node {
	n := g.alloc()
	n.Value = value
	requires := x.requires || (y != nil && y.requires)
	if g.record && requires {
		n.kind = kind
		n.requires = true
		n.in = [2]*Node{x, y}
		g.nodes = append(g.nodes, n)
	}
	return n
}

// opN is op for operations of more than two inputs: ins[0] and ins[1] go
// to n.in, the rest to n.more (kept, not copied), and input(i) reads
// them back in order.
func (g *Graph) opN(kind opKind, value *tensor.Dense, ins []*Node) *Node {
	n := g.alloc()
	n.Value = value
	requires := false
	for _, x := range ins {
		requires = requires || x.requires
	}
	if g.record && requires {
		n.kind = kind
		n.requires = true
		n.in = [2]*Node{ins[0], ins[1]}
		n.more = ins[2:]
		g.nodes = append(g.nodes, n)
	}
	return n
}

// input returns input i of an operation recorded by opN.
func (n *Node) input(i int) *Node {
	if i < 2 {
		return n.in[i]
	}
	return n.more[i-2]
}

// anyMarked reports whether some node of ns carries mark.
func anyMarked(ns []*Node, mark uint64) bool {
	for _, x := range ns {
		if x.mark == mark {
			return true
		}
	}
	return false
}

// Grad returns the gradients of the scalar y with respect to each node of
// wrt (nil where y does not depend on it). With createGraph the returned
// gradients are recorded nodes that can be differentiated again.
func (g *Graph) Grad(y *Node, wrt []*Node, createGraph bool) []*Node {
	if y.Value.R != 1 || y.Value.C != 1 {
		panic(fmt.Sprintf("autograd: Grad of a %d×%d value; want a scalar", y.Value.R, y.Value.C))
	}
	g.epoch++
	for _, w := range wrt {
		w.mark = g.epoch
	}
	end := -1
	for i, n := range g.nodes {
		if n.mark != g.epoch && (n.in[0] != nil && n.in[0].mark == g.epoch || n.in[1] != nil && n.in[1].mark == g.epoch ||
			anyMarked(n.more, g.epoch)) {
			n.mark = g.epoch
		}
		if n == y {
			end = i
			break
		}
	}
	out := make([]*Node, len(wrt))
	if end < 0 || y.mark != g.epoch {
		return out // y does not depend on wrt
	}

	// The gradient fields are cleared on the way out, also when an
	// interruption (interrupt.go) unwinds the pass: a parameter's stale
	// gradient would otherwise be added to the next one.
	saved := g.record
	g.record = createGraph
	defer func() {
		g.record = saved
		for _, n := range g.nodes[:end+1] {
			n.grad = nil
			for _, in := range n.in {
				if in != nil {
					in.grad = nil // parameters are not in g.nodes
				}
			}
			for _, in := range n.more {
				in.grad = nil
			}
		}
		for _, w := range wrt {
			w.grad = nil
		}
	}()
	one := g.be.NewUninit(1, 1)
	g.be.Fill(one, 1)
	y.grad = g.Const(one)
	var reusing *reuse
	if !createGraph { // values are needed only until they are passed on (reuse.go)
		be := g.be
		g.reuser.start(be)
		reusing, g.be = &g.reuser, &g.reuser
		defer func() { g.be = be }()
	}
	for i := end; i >= 0; i-- {
		n := g.nodes[i]
		if n.grad == nil || n.mark != g.epoch || n.kind == opLeaf {
			continue
		}
		backwardOf[n.kind](g, n, n.grad)
		if reusing != nil {
			if !slices.Contains(wrt, n) { // a gradient asked for is kept
				reusing.drop(n.grad.Value)
			}
			reusing.releaseFresh()
		}
	}
	for i, w := range wrt {
		out[i] = w.grad
	}
	return out
}

// Backward adds the gradient of the scalar y to Param.Grad of every
// parameter in params (first order, nothing recorded).
func (g *Graph) Backward(y *Node, params []*Node) {
	for i, d := range g.Grad(y, params, false) {
		if d == nil {
			continue
		}
		p := params[i]
		g.be.Binary(OpAdd, p.Grad, p.Grad, d.Value)
	}
}

// needs reports whether the running Grad call wants a gradient for n.
func (g *Graph) needs(n *Node) bool { return n != nil && n.mark == g.epoch }

// accumulate adds d to the gradient of n.
func (g *Graph) accumulate(n *Node, d *Node) {
	if !g.needs(n) {
		return
	}
	if !tensor.SameShape(n.Value, d.Value) {
		panic(fmt.Sprintf("autograd: gradient %v for a %v value", d.Value, n.Value))
	}
	reusing := g.be == &g.reuser
	if n.grad == nil {
		n.grad = d
		if reusing {
			g.reuser.hold(d.Value)
		}
		return
	}
	old := n.grad
	n.grad = g.Add(old, d)
	if reusing {
		g.reuser.hold(n.grad.Value)
		g.reuser.drop(old.Value)
	}
}

// mustBeOnHost guards the operations that search values on the host (the
// classifier's max-pooling and softmax shift); the energy models use none
// of them, so no device backend implements them.
func (g *Graph) mustBeOnHost(op string, x *Node) {
	if x.Value.OnDevice() {
		panic(fmt.Sprintf("autograd: %s runs on the CPU backend only", op))
	}
}
