package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// spacedMatrix holds distinct values at least 0.1 apart in random order, so
// that a finite-difference step never changes which element of a window
// is the maximum.
func spacedMatrix(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i, k := range rng.Perm(r * c) {
		d.Data[i] = tensor.Float(0.1*float64(k) - 0.05*float64(r*c))
	}
	return d
}

var (
	// A 4×5 image of 2 channels: 3×4 positions of a 2×2 window, 8 values each.
	testImage   = Image{H: 4, W: 5, C: 2}
	testPatches = NewPatches(testImage, Window{KH: 2, KW: 2})
	// The encoder's 4×4 stride-2 window with a pixel of padding: 2×3 positions.
	testPaddedPatches = NewPatches(testImage, Window{KH: 4, KW: 4, Stride: 2, Pad: 1})
)

// The image family, checked like every case of opCases: first and second
// derivatives against finite differences.
var imageCases = []opCase{
	{"Reshape", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.Reshape(in[0], 6, 2) }},
	{"GatherInRows", shapes(randMatrix, [2]int{2, 4}), func(g *Graph, in []*Node) *Node {
		// Repeated and missing columns, different in each row.
		return g.GatherInRows(g.Square(in[0]), []int{3, 0, 3, 1, 2, 2}, 3)
	}},
	{"ScatterInRows", shapes(randMatrix, [2]int{2, 3}), func(g *Graph, in []*Node) *Node {
		return g.ScatterInRows(g.Square(in[0]), []int{3, 0, 3, 1, 2, 2}, 4)
	}},
	{"ConvOfProduct", shapes(randMatrix, [2]int{2, 2}, [2]int{2, testImage.Size()}, [2]int{testPatches.Len(), 2}), func(g *Graph, in []*Node) *Node {
		// A convolution of a linear map of x, so that ∂²/∂W∂x is
		// non-trivial; scaled so that float32 differences stay accurate.
		images := g.Scale(g.MatMul(in[0], in[1], false, false), 0.2)
		return g.Conv(images, in[2], testPatches)
	}},
	{"ConvPaddedStrided", shapes(randMatrix, [2]int{2, 2}, [2]int{2, testImage.Size()}, [2]int{testPaddedPatches.Len(), 2}), func(g *Graph, in []*Node) *Node {
		images := g.Scale(g.MatMul(in[0], in[1], false, false), 0.2)
		return g.Conv(images, in[2], testPaddedPatches)
	}},
	{"ConvTransposePaddedStrided", shapes(randMatrix, [2]int{2, 2}, [2]int{2, testPaddedPatches.Positions() * 2}, [2]int{testPaddedPatches.Len(), 2}), func(g *Graph, in []*Node) *Node {
		u := g.Scale(g.MatMul(in[0], in[1], false, false), 0.2)
		return g.Square(g.ConvTranspose(u, in[2], testPaddedPatches))
	}},
	{"ConvWeightsPaddedStrided", shapes(randMatrix, [2]int{2, testImage.Size()}, [2]int{2, testPaddedPatches.Positions() * 2}), func(g *Graph, in []*Node) *Node {
		return g.Square(g.ConvWeights(g.Scale(in[0], 0.5), g.Scale(in[1], 0.5), testPaddedPatches))
	}},
	{"MaxPool", shapes(spacedMatrix, [2]int{2, testImage.Size()}), func(g *Graph, in []*Node) *Node {
		return g.MaxPool(g.Square(in[0]), testImage, 2)
	}},
	{"LogSoftmax", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node { return g.LogSoftmax(in[0]) }},
	{"CrossEntropy", shapes(randMatrix, [2]int{3, 4}), func(g *Graph, in []*Node) *Node {
		return g.CrossEntropy(in[0], []int{2, 0, 3})
	}},
}

func TestImageGradients(t *testing.T) {
	for _, c := range imageCases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 5))
			f := func(g *Graph, in []*Node) *Node { return weighted(g, c.f(g, in)) }
			if err := CheckGrad(f, c.inputs(rng), FDStep, FDTol); err != nil {
				t.Error(err)
			}
			if err := CheckGradOfGrad(f, c.inputs(rng), FDStep, FDTol); err != nil {
				t.Error(err)
			}
		})
	}
}

// Conv is the convolution written out, for every window the image
// networks use (docs/IMAGES.md §5) on odd image sizes; ConvTranspose and
// ConvWeights are its transposes: ⟨Conv(x, W), u⟩ = ⟨x, ConvTranspose(u,
// W)⟩ = ⟨W, ConvWeights(x, u)⟩.
func TestConvIsConvolution(t *testing.T) {
	for _, c := range []struct {
		im         Image
		w          Window
		outH, outW int
	}{
		{Image{5, 4, 3}, Window{KH: 3, KW: 2}, 3, 3},
		{Image{5, 7, 3}, Window{KH: 3, KW: 3, Pad: 1}, 5, 7},
		{Image{5, 7, 2}, Window{KH: 1, KW: 1}, 5, 7},
		{Image{7, 5, 2}, Window{KH: 3, KW: 3, Stride: 2}, 3, 2},
		{Image{8, 6, 2}, Window{KH: 4, KW: 4, Stride: 2, Pad: 1}, 4, 3},
		{Image{7, 5, 2}, Window{KH: 4, KW: 4, Stride: 2, Pad: 1}, 3, 2},
		{Image{4, 4, 3}, Window{KH: 4, KW: 4}, 1, 1},
		{Image{1, 1, 3}, Window{KH: 3, KW: 3, Pad: 1}, 1, 1},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d_%+v", c.im.H, c.im.W, c.im.C, c.w), func(t *testing.T) {
			checkConvIsConvolution(t, c.im, c.w, c.outH, c.outW)
		})
	}
}

func checkConvIsConvolution(t *testing.T, im Image, w Window, outH, outW int) {
	rng := rand.New(rand.NewPCG(1, 2))
	const outC = 2
	p := NewPatches(im, w)
	if p.OutH != outH || p.OutW != outW || p.Len() != w.KH*w.KW*im.C {
		t.Fatalf("patches %d×%d of %d values, want %d×%d of %d", p.OutH, p.OutW, p.Len(), outH, outW, w.KH*w.KW*im.C)
	}
	stride := max(w.Stride, 1)
	x, wt := randMatrix(rng, 2, im.Size()), randMatrix(rng, p.Len(), outC)
	g := NewGraph()
	y := g.Conv(g.Const(x), g.Const(wt), p).Value
	u := randMatrix(rng, 2, p.Positions()*outC)
	dot := func(a, b *tensor.Dense) (s float64) {
		for i, v := range a.Data {
			s += float64(v) * float64(b.Data[i])
		}
		return s
	}
	yu := dot(y, u)
	if xt := dot(x, g.ConvTranspose(g.Const(u), g.Const(wt), p).Value); math.Abs(xt-yu) > 1e-4*max(1, math.Abs(yu)) {
		t.Errorf("⟨x, ConvTranspose(u, W)⟩ = %v, ⟨Conv(x, W), u⟩ = %v", xt, yu)
	}
	if wu := dot(wt, g.ConvWeights(g.Const(x), g.Const(u), p).Value); math.Abs(wu-yu) > 1e-4*max(1, math.Abs(yu)) {
		t.Errorf("⟨W, ConvWeights(x, u)⟩ = %v, ⟨Conv(x, W), u⟩ = %v", wu, yu)
	}
	at := func(b, row, col, c int) float64 {
		if row < 0 || row >= im.H || col < 0 || col >= im.W {
			return 0 // padding
		}
		return float64(x.At(b, (row*im.W+col)*im.C+c))
	}
	for b := 0; b < 2; b++ {
		for oy := 0; oy < p.OutH; oy++ {
			for ox := 0; ox < p.OutW; ox++ {
				for f := 0; f < outC; f++ {
					var want float64
					for dy := 0; dy < w.KH; dy++ {
						for dx := 0; dx < w.KW; dx++ {
							for c := 0; c < im.C; c++ {
								want += at(b, oy*stride+dy-w.Pad, ox*stride+dx-w.Pad, c) * float64(wt.At((dy*w.KW+dx)*im.C+c, f))
							}
						}
					}
					if got := float64(y.At(b, (oy*p.OutW+ox)*outC+f)); math.Abs(got-want) > 1e-5 {
						t.Fatalf("image %d position (%d, %d) filter %d: %v, want %v", b, oy, ox, f, got, want)
					}
				}
			}
		}
	}
}

func TestMaxPoolValues(t *testing.T) {
	// One 3×5 image of 2 channels (channel 1 is −channel 0); 2×2 windows
	// leave a 1×2 result and drop the last row and column.
	ch0 := []tensor.Float{
		1, 5, 2, 0, 9,
		3, 4, 8, 8, 9,
		9, 9, 9, 9, 9,
	}
	x := tensor.New(1, 30)
	for i, v := range ch0 {
		x.Data[2*i], x.Data[2*i+1] = v, -v
	}
	g := NewGraph()
	leaf := g.Leaf(x)
	y := g.MaxPool(leaf, Image{H: 3, W: 5, C: 2}, 2)
	want := []tensor.Float{5, -1, 8, 0}
	for i, v := range want {
		if y.Value.Data[i] != v {
			t.Fatalf("MaxPool = %v, want %v", y.Value.Data, want)
		}
	}
	// The gradient reaches only the chosen elements; of the tied 8s, the
	// first in window order.
	d := g.Grad(g.SumAll(y), []*Node{leaf}, false)[0].Value.Data
	for i, v := range d {
		chosen := i == 2*1 || i == 2*0+1 || i == 2*7 || i == 2*3+1
		if (v == 1) != chosen || (v != 0 && v != 1) {
			t.Fatalf("gradient %v: element %d is %v", d, i, v)
		}
	}
	nan := tensor.New(1, 4)
	nan.Data[1] = tensor.Float(math.NaN())
	if v := g.MaxPool(g.Const(nan), Image{H: 2, W: 2, C: 1}, 2).Value.Data[0]; !math.IsNaN(float64(v)) {
		t.Fatalf("MaxPool hid a NaN: %v", v)
	}
}

func TestLogSoftmaxValues(t *testing.T) {
	g := NewGraph()
	// Logits far beyond exp's range: the shift keeps them finite.
	x := tensor.FromSlice(2, 3, []tensor.Float{1000, 1001, 1002, -1, 0, 1})
	ls := g.LogSoftmax(g.Const(x)).Value
	want := []float64{-2.4076059644, -1.4076059644, -0.4076059644}
	for i := 0; i < 2; i++ {
		for j, w := range want {
			if got := float64(ls.At(i, j)); math.Abs(got-w) > 1e-4 {
				t.Fatalf("row %d: log softmax %v, want %v", i, ls.Row(i), want)
			}
		}
	}
	ce := float64(g.CrossEntropy(g.Const(x), []int{2, 0}).Value.Data[0])
	if w := (0.4076059644 + 2.4076059644) / 2; math.Abs(ce-w) > 1e-4 {
		t.Fatalf("cross entropy %v, want %v", ce, w)
	}
}

func TestImageOpsRejectBadShapes(t *testing.T) {
	for name, f := range map[string]func(g *Graph, x *Node){
		"reshape":       func(g *Graph, x *Node) { g.Reshape(x, 4, 2) },
		"gather count":  func(g *Graph, x *Node) { g.GatherInRows(x, []int{0, 1, 2}, 2) },
		"gather index":  func(g *Graph, x *Node) { g.GatherInRows(x, []int{0, 3}, 1) },
		"scatter index": func(g *Graph, x *Node) { g.ScatterInRows(x, []int{0, 1, 2, 0, 1, 5}, 4) },
		"conv width": func(g *Graph, x *Node) {
			g.Conv(x, g.Const(tensor.New(2, 1)), NewPatches(Image{2, 2, 2}, Window{KH: 1, KW: 1}))
		},
		"patches kernel": func(g *Graph, x *Node) { NewPatches(Image{1, 3, 2}, Window{KH: 2, KW: 2}) },
		"patches stride": func(g *Graph, x *Node) { NewPatches(Image{3, 3, 2}, Window{KH: 2, KW: 2, Stride: -1}) },
		"patches pad":    func(g *Graph, x *Node) { NewPatches(Image{3, 3, 2}, Window{KH: 2, KW: 2, Pad: -1}) },
		"maxpool width":  func(g *Graph, x *Node) { g.MaxPool(x, Image{2, 2, 1}, 2) },
		"maxpool window": func(g *Graph, x *Node) { g.MaxPool(x, Image{1, 3, 2}, 2) },
		"label":          func(g *Graph, x *Node) { g.CrossEntropy(x, []int{0, 3}) },
		"label count":    func(g *Graph, x *Node) { g.CrossEntropy(x, []int{0}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("accepted")
				}
			}()
			g := NewGraph()
			f(g, g.Const(tensor.New(2, 3)))
		})
	}
}
