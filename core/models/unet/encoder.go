package unet

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Encoder is q_ψ(z | x_k, x_{k+1}, k) of Table 8 (docs/IMAGES.md §2.2): the
// step embedding through two LeakyReLU layers; concat(x_k, x_{k+1})
// through a 3×3 convolution to ngf channels and 4×4 stride-2
// convolutions doubling them down to 4 pixels a side (three for 32×32
// images, as in Table 8; one fewer each time the side halves), none with a bias,
// each followed by LeakyReLU(0.2) and a projection of the step branch
// added at every pixel; then two 4×4 convolutions without padding, with
// biases, for the mean and the log-variance of z.
type Encoder struct {
	embed        *tensor.Dense // SE(k), T×EncTEmbed
	t0, t1       *nn.Linear
	convs        []*nn.Conv2D
	tproj        []*nn.Linear
	outs         []autograd.Image
	mean, logVar *nn.Conv2D
}

const leakySlope = 0.2

func newEncoder(b *builder, s Settings, steps, nz int) *Encoder {
	q := &Encoder{}
	te := s.EncTEmbed
	b.values(steps * te)
	if !b.counting() {
		q.embed = nn.SinusoidalTable(steps, te)
	}
	q.t0 = b.linear("encoder/t.0", te, te, torchDefault, 1, true, 0)
	q.t1 = b.linear("encoder/t.1", te, te, torchDefault, 1, true, 0)
	b.size.StepRows += float64(steps * 4 * te)
	im := autograd.Image{H: s.Image.H, W: s.Image.W, C: 2 * s.Image.C}
	b.width(im.Size()) // the concatenated input
	windows := []autograd.Window{conv3}
	for side := im.H; side > 4; side /= 2 {
		windows = append(windows, conv4s2)
	}
	for i, w := range windows {
		c := s.EncWidth << i
		var conv *nn.Conv2D
		conv, im = b.conv(fmt.Sprintf("encoder/conv.%d", i), im, w, c, torchDefault, 1, false)
		q.convs = append(q.convs, conv)
		q.outs = append(q.outs, im)
		q.tproj = append(q.tproj, b.linear(fmt.Sprintf("encoder/t.proj.%d", i), te, c, torchDefault, 1, true, 3*im.Size()))
	}
	head := autograd.Window{KH: 4, KW: 4}
	q.mean, _ = b.conv("encoder/mean", im, head, nz, torchDefault, 1, true)
	q.logVar, _ = b.conv("encoder/log_var", im, head, nz, torchDefault, 1, true)
	return q
}

var conv4s2 = autograd.Window{KH: 4, KW: 4, Stride: 2, Pad: 1}

// Forward returns the mean and log-variance of q_ψ(z | x_k, x_{k+1}, k),
// B×nz each.
func (q *Encoder) Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node) {
	t := g.LeakyReLU(q.t1.Forward(g, g.LeakyReLU(q.t0.Forward(g, g.Const(q.embed)), leakySlope)), leakySlope)
	in := q.convs[0].Patches.In
	half := autograd.Image{H: in.H, W: in.W, C: in.C / 2}
	h := g.ConcatChannels(xk, half, xk1, half)
	for i, conv := range q.convs {
		h = g.LeakyReLU(conv.Forward(g, h), leakySlope)
		h = g.PerChannel(h, q.outs[i], nil, g.GatherRows(q.tproj[i].Forward(g, t), k))
	}
	return q.mean.Forward(g, h), q.logVar.Forward(g, h)
}
