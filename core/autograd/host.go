package autograd

import "github.com/ddaebm/ddaebm/core/tensor"

// Moving values between the host and the graph's backend. Per-step
// constants that are looked up on the host (a coefficient per example's
// diffusion step, say) are built in HostTensor and handed to ConstHost;
// results come back through HostValue and Scalar. On the CPU backend
// these are free: ConstHost wraps the matrix and HostValue returns it.

// onHost reports whether the graph computes on the host.
func (g *Graph) onHost() bool {
	_, ok := g.be.(*CPU)
	return ok
}

// HostTensor returns a zeroed r×c host matrix valid until Reset.
func (g *Graph) HostTensor(r, c int) *tensor.Dense {
	if g.onHost() {
		return g.be.New(r, c)
	}
	return g.host.New(r, c)
}

// ConstHost returns a constant node holding the host matrix h: h itself
// on the CPU backend, a copy in the backend's step memory otherwise.
func (g *Graph) ConstHost(h *tensor.Dense) *Node {
	if g.onHost() {
		return g.Const(h)
	}
	v := g.be.NewUninit(h.R, h.C)
	g.be.Upload(v, h)
	return g.Const(v)
}

// Normal returns a constant r×c node of independent N(0, 1) draws from
// the stream seed (see NormalPair).
func (g *Graph) Normal(r, c int, seed uint64) *Node {
	v := g.be.NewUninit(r, c)
	g.be.Normal(v, seed)
	return g.Const(v)
}

// Zeros returns a constant r×c node of zeros.
func (g *Graph) Zeros(r, c int) *Node { return g.Const(g.be.New(r, c)) }

// HostValue returns n's value on the host: the value itself on the CPU
// backend (valid until Reset), a new heap copy otherwise.
func (g *Graph) HostValue(n *Node) *tensor.Dense {
	if g.onHost() {
		return n.Value
	}
	h := tensor.New(n.Value.R, n.Value.C)
	g.be.Download(h, n.Value)
	return h
}

// Scalar returns the value of the 1×1 node n.
func (g *Graph) Scalar(n *Node) float64 {
	if g.onHost() {
		return float64(n.Value.Data[0])
	}
	var h [1]tensor.Float
	g.be.Download(tensor.FromSlice(1, 1, h[:]), n.Value)
	return float64(h[0])
}
