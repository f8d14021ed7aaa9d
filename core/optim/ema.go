package optim

import (
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// EMA keeps an exponential moving average of parameters; samplers use the
// averaged weights, which are smoother than the last iterate.
type EMA struct {
	Decay  float64
	Params []*autograd.Node
	Shadow []*tensor.Dense

	// Backend holds the parameters and the average.
	Backend autograd.Backend
}

// NewEMA starts the average at the current values.
func NewEMA(params []*autograd.Node, decay float64) *EMA {
	e := &EMA{Decay: decay, Params: params, Backend: autograd.NewCPU()}
	for _, p := range params {
		e.Shadow = append(e.Shadow, p.Value.Clone())
	}
	return e
}

// Update moves the average towards the current values.
func (e *EMA) Update() {
	for i, p := range e.Params {
		e.Backend.Lerp(e.Shadow[i], p.Value, tensor.Float(1-e.Decay), 1)
	}
}

// Swap exchanges the live and averaged values; calling it twice restores
// the live weights. Sampling with the average is Swap, sample, Swap.
func (e *EMA) Swap() {
	for i, p := range e.Params {
		*p.Value, *e.Shadow[i] = *e.Shadow[i], *p.Value
	}
}
