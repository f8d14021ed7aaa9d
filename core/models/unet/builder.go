package unet

import (
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// builder creates the layers of a network, or, with a nil rng, only
// counts what they would hold: the constructors run once in each mode, so
// the sizes the memory checks use cannot drift from the networks built.
// It shares the patch indices and resampling maps of equal layouts.
type builder struct {
	rng        *rand.Rand
	size       models.Size
	patches    map[patchKey]*autograd.Patches
	resamplers map[resampleKey]*autograd.Resampler
	groups     map[autograd.Image]*autograd.Groups
}

type patchKey struct {
	in autograd.Image
	w  autograd.Window
}

type resampleKey struct {
	kind     resampling
	resample string
	in       autograd.Image
}

func newBuilder(rng *rand.Rand) *builder {
	return &builder{rng: rng, patches: map[patchKey]*autograd.Patches{},
		resamplers: map[resampleKey]*autograd.Resampler{}, groups: map[autograd.Image]*autograd.Groups{}}
}

func (b *builder) counting() bool { return b.rng == nil }

// values counts n values the network keeps; width n activations per
// example of a forward pass.
func (b *builder) values(n int) { b.size.Values += float64(n) }
func (b *builder) width(n int)  { b.size.Width += float64(n) }

// The initialisations of docs/IMAGES.md §2.1.
type initKind int

const (
	// fanAvg is NCSN++'s default_init(scale): U(±√(3·scale/fan_avg)),
	// bias 0.
	fanAvg initKind = iota
	// fanOut is the mapping network's and AdaGN's dense(): U(±√(3/fan_out)),
	// bias 0.
	fanOut
	// torchDefault is PyTorch's default, U(±1/√fan_in) for weights and
	// biases (the encoder).
	torchDefault
)

// linear is a fully connected layer in→out initialised by kind (scale
// for fanAvg), whose outputs per example add outWidth activations.
func (b *builder) linear(name string, in, out int, kind initKind, scale float64, bias bool, outWidth int) *nn.Linear {
	n := in * out
	if bias {
		n += out
	}
	b.values(n)
	b.width(outWidth)
	if b.counting() {
		return nil
	}
	l := nn.NewLinear(name, in, out, b.rng)
	b.initialise(l, in, out, 1, kind, scale)
	if !bias {
		l.WithoutBias()
	}
	return l
}

// conv is a convolution of in images with window w and out filters; a
// forward pass keeps its patches and its output.
func (b *builder) conv(name string, in autograd.Image, w autograd.Window, out int, kind initKind, scale float64, bias bool) (*nn.Conv2D, autograd.Image) {
	stride := max(w.Stride, 1)
	outIm := autograd.Image{H: (in.H+2*w.Pad-w.KH)/stride + 1, W: (in.W+2*w.Pad-w.KW)/stride + 1, C: out}
	patch := w.KH * w.KW * in.C
	n := patch * out
	if bias {
		n += out
	}
	b.values(n)
	b.width(2 * outIm.Size()) // the patches live in scratch memory (autograd.Graph.Conv)
	if b.counting() {
		return nil, outIm
	}
	key := patchKey{in, w}
	p := b.patches[key]
	if p == nil {
		p = autograd.NewPatches(in, w)
		b.patches[key] = p
	}
	c := nn.NewConv2DOn(name, p, out, b.rng)
	b.initialise(c.Linear, patch, out, w.KH*w.KW, kind, scale)
	if !bias {
		c.WithoutBias()
	}
	return c, outIm
}

// initialise overwrites l's weights as kind says; receptive is KH·KW for
// a convolution (PyTorch's fans count it), 1 for a linear layer.
func (b *builder) initialise(l *nn.Linear, in, out, receptive int, kind initKind, scale float64) {
	var bound float64
	switch kind {
	case torchDefault:
		return // nn.NewLinear's own
	case fanAvg:
		fanOutUnits := out * receptive
		bound = math.Sqrt(3 * scale / (float64(in+fanOutUnits) / 2))
	case fanOut:
		bound = math.Sqrt(3 / float64(out*receptive))
	}
	for i := range l.W.Value.Data {
		l.W.Value.Data[i] = tensor.Float((2*b.rng.Float64() - 1) * bound)
	}
	clear(l.B.Value.Data)
}

// groupNorm is NCSN++'s GroupNorm of C channels: min(C/4, 32) groups,
// eps 1e-6, with its own γ (initially 1) and β (initially 0) unless
// adaptive (the generator's AdaGN brings a scale and shift per image).
func (b *builder) groupNorm(name string, in autograd.Image, adaptive bool) *groupNorm {
	if !adaptive {
		b.values(2 * in.C)
	}
	b.width(3 * in.Size())
	if b.counting() {
		return nil
	}
	n := &groupNorm{groups: b.groups[in]}
	if n.groups == nil {
		n.groups = autograd.NewGroups(in, min(in.C/4, 32))
		b.groups[in] = n.groups
	}
	if !adaptive {
		n.gamma = autograd.NewParam(name+"/gamma", tensor.Full(1, in.C, 1))
		n.beta = autograd.NewParam(name+"/beta", tensor.New(1, in.C))
	}
	return n
}

const groupNormEps = 1e-6

// groupNorm normalises groups of channels; gamma and beta (1×C) are nil
// in an adaptive layer.
type groupNorm struct {
	groups      *autograd.Groups
	gamma, beta *autograd.Node
}

// forward normalises x, then scales and shifts it by the layer's own γ and
// β, or by the B×C scale and shift given (AdaGN).
func (n *groupNorm) forward(g *autograd.Graph, x, scale, shift *autograd.Node) *autograd.Node {
	if n.gamma != nil {
		scale, shift = n.gamma, n.beta
	}
	return g.PerChannel(g.GroupNorm(x, n.groups, groupNormEps), n.groups.In, scale, shift)
}

// resampling is a fixed resampling of a level's images.
type resampling int

const (
	down resampling = iota
	up
	blur // the input pyramid's FIR filter before its stride-2 convolution
)

// resampler returns the map of kind over in images with the settings'
// filters, sharing equal ones.
func (b *builder) resampler(kind resampling, in autograd.Image, resample string) (*autograd.Resampler, autograd.Image) {
	var out autograd.Image
	switch kind {
	case down:
		out = autograd.Image{H: in.H / 2, W: in.W / 2, C: in.C}
	case up:
		out = autograd.Image{H: in.H * 2, W: in.W * 2, C: in.C}
	case blur:
		out = autograd.Image{H: in.H + 1, W: in.W + 1, C: in.C}
	}
	b.width(out.Size())
	if b.counting() {
		return nil, out
	}
	key := resampleKey{kind, resample, in}
	r := b.resamplers[key]
	if r == nil {
		switch {
		case kind == blur:
			r = autograd.FIRBlur(in)
		case kind == down && resample == ResampleFIR:
			r = autograd.FIRDown2(in)
		case kind == down:
			r = autograd.AvgPool2(in)
		case resample == ResampleFIR:
			r = autograd.FIRUp2(in)
		default:
			r = autograd.Upsample2(in)
		}
		b.resamplers[key] = r
	}
	return r, out
}
