package optim

import (
	"math"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Adam is the Adam optimiser with PyTorch's update rule and bias
// correction. DDAEBM uses β1 = 0, β2 = 0.9 (docs/ALGORITHM.md §6): with β1 = 0
// the first moment is simply the current gradient.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	Step                  int64
	Params                []*autograd.Node
	M, V                  []*tensor.Dense

	// Backend holds the parameters, gradients and moments (the CPU
	// unless the model was moved to a device).
	Backend autograd.Backend
}

// NewAdam returns an optimiser over params with zeroed moments.
func NewAdam(params []*autograd.Node, lr, beta1, beta2 float64) *Adam {
	a := &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: 1e-8, Params: params, Backend: autograd.NewCPU()}
	for _, p := range params {
		a.M = append(a.M, tensor.New(p.Value.R, p.Value.C))
		a.V = append(a.V, tensor.New(p.Value.R, p.Value.C))
	}
	return a
}

// ZeroGrad clears the accumulated gradients of every parameter.
func (a *Adam) ZeroGrad() {
	for _, p := range a.Params {
		a.Backend.Fill(p.Grad, 0)
	}
}

// Update applies one step using the gradients in Param.Grad.
func (a *Adam) Update() {
	a.Step++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Step))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Step))
	stepSize := tensor.Float(a.LR / c1)
	invSqrtC2 := tensor.Float(1 / math.Sqrt(c2))
	b1, b2, eps := tensor.Float(a.Beta1), tensor.Float(a.Beta2), tensor.Float(a.Eps)
	for i, p := range a.Params {
		a.Backend.Adam(p.Value, p.Grad, a.M[i], a.V[i], stepSize, b1, b2, invSqrtC2, eps)
	}
}
