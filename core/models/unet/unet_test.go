package unet

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

var cifarImage = autograd.Image{H: 32, W: 32, C: 3}

func spec(t testing.TB, preset string, im autograd.Image, steps int) models.Spec {
	p, err := PresetFor(preset, im)
	if err != nil {
		t.Fatal(err)
	}
	return models.Spec{Dim: im.Size(), ZDim: p.ZDim, T: steps, Net: &p.Settings}
}

func countParams(net any) (n int) {
	for _, p := range nn.Params(net) {
		n += p.Value.Len()
	}
	return n
}

// The parameter counts of docs/IMAGES.md §2.3, computed there from the
// authors' constructors, in millions to two decimals. One entry differs:
// the table gives the XS generator 0.46M, which is its count with 4
// mapping layers (0.4614M, checked below); with the 2 its own column
// names, it has 0.4531M.
func TestParameterCountsMatchTheSpecification(t *testing.T) {
	want := map[string][3]float64{
		"cifar10": {40.28, 48.43, 4.77},
		"m":       {10.09, 14.31, 1.60},
		"s":       {1.77, 2.52, 1.19},
		"xs":      {0.32, 0.453, 0.33},
	}
	for _, name := range Presets {
		if testing.Short() && (name == "cifar10" || name == "m") {
			continue
		}
		e, g, q := family{}.Build(spec(t, name, cifarImage, 4), rand.New(rand.NewPCG(1, 2)))
		for i, got := range []int{countParams(e), countParams(g), countParams(q)} {
			if m := float64(got) / 1e6; math.Abs(m-want[name][i]) > 0.005 {
				t.Errorf("%s %s: %.4fM parameters, want %.2fM", name, [3]string{"energy", "generator", "encoder"}[i], m, want[name][i])
			}
		}
	}
}

func TestXSGeneratorWithFourMappingLayers(t *testing.T) {
	s := spec(t, "xs", cifarImage, 4)
	s.Net.(*Settings).MapLayers = 4
	_, g, _ := family{}.Build(s, rand.New(rand.NewPCG(1, 2)))
	if m := float64(countParams(g)) / 1e6; math.Abs(m-0.46) > 0.005 {
		t.Errorf("XS generator with 4 mapping layers: %.4fM parameters, want 0.46M", m)
	}
}

// tinySettings is a U-Net small enough for finite differences that still
// has every kind of block: two levels, attention, a skip convolution,
// dropout, and the resampling given.
func tinySettings(resample string) Settings {
	return Settings{Image: autograd.Image{H: 4, W: 4, C: 2}, NF: 4, ChMult: []int{1, 2}, ResBlocks: 1,
		AttnRes: []int{2}, Dropout: 0.2, Resample: resample, ZEmbed: 3, MapLayers: 1}
}

// randomise moves every parameter away from its initialisation (where
// the near-zero output layers would hide most derivatives).
func randomise(net any, rng *rand.Rand) {
	for _, p := range nn.Params(net) {
		for i := range p.Value.Data {
			p.Value.Data[i] = tensor.Float(rng.Float64() - 0.5)
		}
	}
}

// The gradient penalty of the whole energy, ‖∇ₓE‖² with
// E = −½‖x − U(x, k)‖², has the derivatives into the weights that central
// differences give: second derivatives through every block of the U-Net,
// with both resamplings and a dropout mask kept in the gradient graph.
func TestEnergyPenaltyGradient(t *testing.T) {
	for _, resample := range []string{ResampleFIR, ResampleMean} {
		t.Run(resample, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			s := tinySettings(resample)
			e := &Energy{newUNet(newBuilder(rng), "energy", s, 3, 0)}
			randomise(e, rng)
			e.SetDropoutSeed(7)
			x := tensor.New(2, s.Image.Size())
			for i := range x.Data {
				x.Data[i] = tensor.Float(rng.NormFloat64())
			}
			k := []int{0, 2}
			g := autograd.NewGraph()
			penalty := func(params []*autograd.Node) (float64, []*tensor.Dense) {
				g.Reset()
				e.SetDropoutSeed(7) // the same masks in every evaluation
				xn := g.Leaf(x)
				grad := g.Grad(g.SumAll(e.Forward(g, xn, k)), []*autograd.Node{xn}, true)[0]
				p := g.SumAll(g.Square(grad))
				v := float64(g.HostValue(p).Data[0])
				if params == nil {
					return v, nil
				}
				var grads []*tensor.Dense
				for _, d := range g.Grad(p, params, false) {
					grads = append(grads, g.HostValue(d).Clone())
				}
				return v, grads
			}
			params := nn.Params(e)
			_, grads := penalty(params)
			checked := 0
			for pi, p := range params {
				// A few entries of every parameter.
				for _, i := range []int{0, p.Value.Len() / 2, p.Value.Len() - 1} {
					old := p.Value.Data[i]
					p.Value.Data[i] = old + autograd.FDStep
					up, _ := penalty(nil)
					p.Value.Data[i] = old - autograd.FDStep
					down, _ := penalty(nil)
					p.Value.Data[i] = old
					fd := (up - down) / (2 * autograd.FDStep)
					got := float64(grads[pi].Data[i])
					if math.Abs(got-fd) > autograd.FDTol*max(1, math.Abs(fd)) {
						t.Errorf("%s[%d]: ∂penalty = %.6g, central differences %.6g", p.Name, i, got, fd)
					}
					checked++
				}
			}
			if checked < 3*40 {
				t.Errorf("checked %d entries: the network has fewer parameters than its blocks need", checked)
			}
		})
	}
}

// Sizes counts what Build makes: parameters and step tables.
func TestSizesCountWhatIsBuilt(t *testing.T) {
	for _, s := range []models.Spec{spec(t, "xs", cifarImage, 4), spec(t, "s", autograd.Image{H: 32, W: 32, C: 1}, 3)} {
		e, g, q := family{}.Build(s, rand.New(rand.NewPCG(1, 2)))
		es, gs, qs := family{}.Sizes(s)
		for i, n := range []struct {
			net  any
			size models.Size
		}{{e, es}, {g, gs}, {q, qs}} {
			values := countParams(n.net)
			for _, c := range nn.Constants(n.net) {
				values += c.Len()
			}
			if float64(values) != n.size.Values {
				t.Errorf("%+v network %d: %d values, Sizes says %.0f", s.Net, i, values, n.size.Values)
			}
		}
	}
}
