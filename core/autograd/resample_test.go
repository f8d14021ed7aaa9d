package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Each resampler computes its formula, written out pixel by pixel with
// zeros outside the image, on odd and even sizes.
func TestResamplersMatchTheirFormulas(t *testing.T) {
	k := [4]float64{1.0 / 8, 3.0 / 8, 3.0 / 8, 1.0 / 8}
	for _, c := range []struct {
		make  func(Image) *Resampler
		out   func(in Image) Image
		pixel func(x func(y, x int) float64, i, j int) float64
	}{
		{AvgPool2, func(in Image) Image { return Image{in.H / 2, in.W / 2, in.C} }, func(x func(int, int) float64, i, j int) float64 {
			return (x(2*i, 2*j) + x(2*i+1, 2*j) + x(2*i, 2*j+1) + x(2*i+1, 2*j+1)) / 4
		}},
		{Upsample2, func(in Image) Image { return Image{2 * in.H, 2 * in.W, in.C} }, func(x func(int, int) float64, i, j int) float64 {
			return x(i/2, j/2)
		}},
		{FIRDown2, func(in Image) Image { return Image{in.H / 2, in.W / 2, in.C} }, func(x func(int, int) float64, i, j int) float64 {
			var s float64
			for a := range 4 {
				for b := range 4 {
					s += k[a] * k[b] * x(2*i+a-1, 2*j+b-1)
				}
			}
			return s
		}},
		{FIRUp2, func(in Image) Image { return Image{2 * in.H, 2 * in.W, in.C} }, func(x func(int, int) float64, i, j int) float64 {
			// y[2i] = (x[i−1] + 3x[i])/4, y[2i+1] = (3x[i] + x[i+1])/4 per axis.
			taps := func(o int) [2][2]float64 { // (source, weight) pairs
				if o%2 == 0 {
					return [2][2]float64{{float64(o/2 - 1), 0.25}, {float64(o / 2), 0.75}}
				}
				return [2][2]float64{{float64(o / 2), 0.75}, {float64(o/2 + 1), 0.25}}
			}
			var s float64
			for _, a := range taps(i) {
				for _, b := range taps(j) {
					s += a[1] * b[1] * x(int(a[0]), int(b[0]))
				}
			}
			return s
		}},
		{FIRBlur, func(in Image) Image { return Image{in.H + 1, in.W + 1, in.C} }, func(x func(int, int) float64, i, j int) float64 {
			var s float64
			for a := range 4 {
				for b := range 4 {
					s += k[a] * k[b] * x(i+a-2, j+b-2)
				}
			}
			return s
		}},
	} {
		for _, in := range []Image{{4, 6, 3}, {5, 3, 2}, {2, 2, 1}} {
			r := c.make(in)
			t.Run(fmt.Sprintf("%s/%dx%dx%d", r.Name, in.H, in.W, in.C), func(t *testing.T) {
				if want := c.out(in); r.Out != want {
					t.Fatalf("output %+v, want %+v", r.Out, want)
				}
				rng := rand.New(rand.NewPCG(4, 5))
				x := randMatrix(rng, 2, in.Size())
				g := NewGraph()
				y := g.Resample(g.Const(x), r).Value
				for b := range 2 {
					for ch := 0; ch < in.C; ch++ {
						at := func(i, j int) float64 {
							if i < 0 || i >= in.H || j < 0 || j >= in.W {
								return 0
							}
							return float64(x.At(b, (i*in.W+j)*in.C+ch))
						}
						for i := 0; i < r.Out.H; i++ {
							for j := 0; j < r.Out.W; j++ {
								want := c.pixel(at, i, j)
								if got := float64(y.At(b, (i*r.Out.W+j)*in.C+ch)); math.Abs(got-want) > 1e-5 {
									t.Fatalf("image %d channel %d pixel (%d, %d): %v, want %v", b, ch, i, j, got, want)
								}
							}
						}
					}
				}
			})
		}
	}
}

// MapCols is x·M for the dense M its terms describe, and T() is Mᵀ.
func TestMapColsIsAProduct(t *testing.T) {
	dense := tensor.New(testColMap.In, testColMap.Out)
	for _, term := range []ColTerm{
		{From: 6, To: 3, W: 0.75}, {From: 0, To: 0, W: -1.25}, {From: 2, To: 0, W: 0.75}, {From: 2, To: 1, W: 2},
		{From: 4, To: 4, W: 1.5}, {From: 5, To: 1, W: -0.5},
	} {
		dense.Set(term.From, term.To, tensor.Float(term.W))
	}
	rng := rand.New(rand.NewPCG(6, 7))
	x, y := randMatrix(rng, 3, 7), randMatrix(rng, 3, 5)
	g := NewGraph()
	for _, c := range []struct {
		name      string
		got, want *tensor.Dense
	}{
		{"map", g.MapCols(g.Const(x), testColMap).Value, g.MatMul(g.Const(x), g.Const(dense), false, false).Value},
		{"transpose", g.MapCols(g.Const(y), testColMap.T()).Value, g.MatMul(g.Const(y), g.Const(dense), false, true).Value},
	} {
		for i := range c.want.Data {
			if math.Abs(float64(c.got.Data[i]-c.want.Data[i])) > 1e-5 {
				t.Fatalf("%s: %v, want %v", c.name, c.got.Data, c.want.Data)
			}
		}
	}
	if testColMap.T().T() != testColMap {
		t.Fatal("the transpose of the transpose is not the map")
	}
}

// GroupNorm normalises each image's groups of channels to mean 0 and
// variance 1 (up to eps), and PerChannel applies γ, β channel by channel.
func TestGroupNormValues(t *testing.T) {
	in := Image{3, 5, 6}
	gr := NewGroups(in, 3)
	rng := rand.New(rand.NewPCG(8, 9))
	x := randMatrix(rng, 2, in.Size())
	for i := range x.Data {
		x.Data[i] = 3*x.Data[i] + 5 // far from normalised
	}
	gamma, beta := randMatrix(rng, 2, 6), randMatrix(rng, 1, 6)
	g := NewGraph()
	y := g.PerChannel(g.GroupNorm(g.Const(x), gr, 1e-6), in, g.Const(gamma), g.Const(beta)).Value
	for b := range 2 {
		for grp := range 3 {
			var sum, sq float64
			n := 0
			for p := 0; p < 15; p++ {
				for c := 2 * grp; c < 2*grp+2; c++ {
					v := float64(x.At(b, p*6+c))
					sum += v
					sq += v * v
					n++
				}
			}
			mean := sum / float64(n)
			std := math.Sqrt(sq/float64(n) - mean*mean + 1e-6)
			for p := 0; p < 15; p++ {
				for c := 2 * grp; c < 2*grp+2; c++ {
					want := (float64(x.At(b, p*6+c))-mean)/std*float64(gamma.At(b, c)) + float64(beta.At(0, c))
					if got := float64(y.At(b, p*6+c)); math.Abs(got-want) > 1e-4 {
						t.Fatalf("image %d pixel %d channel %d: %v, want %v", b, p, c, got, want)
					}
				}
			}
		}
	}
}

// ConcatChannels interleaves per pixel; ChannelSums sums over positions;
// Dropout keeps about 1 − p of the elements, scaled by 1/(1 − p), and the
// same ones for the same seed.
func TestChannelOpsAndDropoutValues(t *testing.T) {
	g := NewGraph()
	a := tensor.FromSlice(1, 4, []tensor.Float{1, 2, 3, 4}) // 2 pixels × 2 channels
	b := tensor.FromSlice(1, 2, []tensor.Float{10, 20})     // 2 pixels × 1 channel
	cat := g.ConcatChannels(g.Const(a), Image{1, 2, 2}, g.Const(b), Image{1, 2, 1}).Value.Data
	if want := []tensor.Float{1, 2, 10, 3, 4, 20}; fmt.Sprint(cat) != fmt.Sprint(want) {
		t.Fatalf("ConcatChannels = %v, want %v", cat, want)
	}
	if sums := g.ChannelSums(g.Const(a), Image{1, 2, 2}).Value.Data; sums[0] != 4 || sums[1] != 6 {
		t.Fatalf("ChannelSums = %v, want [4 6]", sums)
	}
	x := tensor.Full(200, 500, 1)
	y := g.Dropout(g.Const(x), 0.3, 5).Value.Data
	kept := 0
	for _, v := range y {
		switch {
		case v == 0:
		case math.Abs(float64(v)-1/0.7) < 1e-6:
			kept++
		default:
			t.Fatalf("dropout value %v, want 0 or 1/0.7", v)
		}
	}
	if f := float64(kept) / float64(len(y)); math.Abs(f-0.7) > 0.005 {
		t.Fatalf("dropout kept %.4f of the elements, want 0.7", f)
	}
	again := g.Dropout(g.Const(x), 0.3, 5).Value.Data
	other := g.Dropout(g.Const(x), 0.3, 6).Value.Data
	if fmt.Sprint(again) != fmt.Sprint(y) || fmt.Sprint(other) == fmt.Sprint(y) {
		t.Fatal("the mask is not a function of the seed")
	}
}
