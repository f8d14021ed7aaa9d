package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The convolution the image networks spend most of their time in: 3×3,
// 64→64 channels, zero padding 1, over 32×32 images, batch 64 — timed as
// a training step (forward, then the gradient into x, W and b) and inside
// the gradient penalty's double backward (∂/∂θ of ‖∂E/∂x‖² for
// E = Σ SiLU(conv(x))). scripts/bench_conv.sh times PyTorch on the same.

const convBenchBatch = 64

var convBenchImage = autograd.Image{H: 32, W: 32, C: 64}

func convBenchSetup() (*Conv2D, *autograd.Graph, *autograd.Node) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := NewConv2D("c", convBenchImage, autograd.Window{KH: 3, KW: 3, Pad: 1}, 64, rng)
	g := autograd.NewGraph()
	// x is a parameter, so that Backward fills its gradient as PyTorch's
	// backward fills x.grad.
	return c, g, autograd.NewParam("x", randInput(rng, convBenchBatch, convBenchImage.Size()))
}

// Both time steps after a first one, which grows the graph's memory to
// what a step needs (about 0.5 GB, every page of it faulted in and
// zeroed): the steady state of a training loop, as the PyTorch peer times
// after its warm-up steps.

func BenchmarkConv3x3Step(b *testing.B) {
	c, g, x := convBenchSetup()
	params := append(Params(c), x)
	step := func() {
		g.Reset()
		g.Backward(g.SumAll(g.SiLU(c.Forward(g, x))), params)
	}
	step()
	b.ResetTimer()
	for range b.N {
		step()
	}
}

func BenchmarkConv3x3Penalty(b *testing.B) {
	c, g, x0 := convBenchSetup()
	params := Params(c)
	step := func() {
		g.Reset()
		x := g.Leaf(x0.Value)
		e := g.SumAll(g.SiLU(c.Forward(g, x)))
		gx := g.Grad(e, []*autograd.Node{x}, true)[0]
		g.Backward(g.SumAll(g.Square(gx)), params)
	}
	step()
	b.ResetTimer()
	for range b.N {
		step()
	}
}

// The same two benchmarks on CUDA device 0 (skipped without one):
// scripts/gpu-check.sh runs them beside PyTorch on the same GPU. Each
// iteration reads its loss back, so the time includes the device's work.

func convOnGPU(b *testing.B) (*Conv2D, *autograd.Graph, *autograd.Node) {
	b.Helper()
	if err := cuda.Available(); err != nil {
		b.Skip("no GPU: ", err)
	}
	dev, err := cuda.Open(0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dev.Close() })
	be := cuda.NewBackend(dev)
	c, _, x := convBenchSetup()
	for _, p := range append(Params(c), x) {
		for _, d := range []*tensor.Dense{p.Value, p.Grad} {
			v := be.Alloc(d.R, d.C)
			be.Upload(v, d)
			*d = *v
		}
	}
	return c, autograd.NewGraphOn(be), x
}

func BenchmarkConv3x3StepGPU(b *testing.B) {
	c, g, x := convOnGPU(b)
	params := append(Params(c), x)
	b.ResetTimer()
	for range b.N {
		g.Reset()
		loss := g.SumAll(g.SiLU(c.Forward(g, x)))
		g.Backward(loss, params)
		g.HostValue(loss)
	}
}

func BenchmarkConv3x3PenaltyGPU(b *testing.B) {
	c, g, x0 := convOnGPU(b)
	params := Params(c)
	b.ResetTimer()
	for range b.N {
		g.Reset()
		x := g.Leaf(x0.Value)
		e := g.SumAll(g.SiLU(c.Forward(g, x)))
		gx := g.Grad(e, []*autograd.Node{x}, true)[0]
		loss := g.SumAll(g.Square(gx))
		g.Backward(loss, params)
		g.HostValue(loss)
	}
}
