package unet

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// BenchmarkEnergyPenaltyStep times the energy's part of a max step on
// 32×32×3 images for the XS and S configurations: E at x, the gradient
// penalty ‖∇ₓE‖² (double backward), and the gradient of
// mean(−E) + γ/2·penalty into every weight. graph-MiB is the memory the
// graph holds at its peak, which grows in proportion to the batch;
// scratch-MiB the convolutions' working memory beside it.
func BenchmarkEnergyPenaltyStep(b *testing.B) {
	for _, run := range []struct {
		name  string
		batch int
	}{{"xs", 64}, {"s", 8}, {"s", 16}} {
		name, batch := run.name, run.batch
		b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
			p, err := PresetFor(name, cifarImage)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			e := &Energy{newUNet(newBuilder(rng), "energy", p.Settings, 4, 0)}
			e.SetDropoutSeed(5)
			params := nn.Params(e)
			x := tensor.New(batch, cifarImage.Size())
			for i := range x.Data {
				x.Data[i] = tensor.Float(2*rng.Float64() - 1)
			}
			k := make([]int, batch)
			for i := range k {
				k[i] = i % 4
			}
			cpu := autograd.NewCPU()
			g := autograd.NewGraphOn(cpu)
			b.ResetTimer()
			for range b.N {
				g.Reset()
				xn := g.Leaf(x)
				energy := e.Forward(g, xn, k)
				grad := g.Grad(g.SumAll(energy), []*autograd.Node{xn}, true)[0]
				penalty := g.Mean(g.SumRows(g.Square(grad)))
				g.Backward(g.Add(g.Scale(g.Mean(energy), -1), g.Scale(penalty, 0.01)), params)
			}
			mib := float64(unsafe.Sizeof(tensor.Float(0))) / (1 << 20)
			b.ReportMetric(float64(cpu.StepElements())*mib, "graph-MiB")
			b.ReportMetric(float64(g.ScratchElements())*mib, "scratch-MiB")
			b.ReportMetric(float64(countParams(e))/1e6, "Mparams")
		})
	}
}
