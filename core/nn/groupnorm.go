package nn

import (
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// GroupNorm is PyTorch's affine GroupNorm over images in the
// autograd.Image layout: each image's groups of channels normalised to
// mean 0 and variance 1, then a learned per-channel γ (initially 1) and β
// (initially 0).
type GroupNorm struct {
	Gamma, Beta *autograd.Node
	Groups      *autograd.Groups
	Eps         tensor.Float
}

// NewGroupNorm normalises images of layout in with groups groups (which
// must divide in.C) and eps added to the variance (1e-6 in NCSN++).
func NewGroupNorm(name string, in autograd.Image, groups int, eps float64) *GroupNorm {
	return &GroupNorm{
		Gamma:  autograd.NewParam(name+"/gamma", tensor.Full(1, in.C, 1)),
		Beta:   autograd.NewParam(name+"/beta", tensor.New(1, in.C)),
		Groups: autograd.NewGroups(in, groups),
		Eps:    tensor.Float(eps),
	}
}

// Forward normalises the B images in the rows of x.
func (n *GroupNorm) Forward(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	return g.PerChannel(g.GroupNorm(x, n.Groups, n.Eps), n.Groups.In, n.Gamma, n.Beta)
}
