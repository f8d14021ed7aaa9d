package ddaebm

import (
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// stepUndo holds what an interrupted training step must put back so that
// the model is exactly as it was before the step: the random stream, the
// networks' buffers (batch-norm running statistics, which forward passes
// move), and the energy's weights, Adam moments and average, which the
// max step updates before the min step runs. The generator and encoder
// need nothing: their update is the step's last work, after which no
// operation can be interrupted.
type stepUndo struct {
	be    autograd.Backend // where saved lives; reallocated when the model moves
	pcg   rand.PCG
	adamT int64
	live  []*tensor.Dense // the state, in the order saved holds it
	saved []*tensor.Dense
}

// undoState lists the mutable state stepUndo saves, on the model's
// backend.
func (m *Model) undoState() []*tensor.Dense {
	var live []*tensor.Dense
	for _, b := range m.Buffers() {
		live = append(live, b.Value)
	}
	for i, p := range m.OptE.Params {
		live = append(live, p.Value, m.OptE.M[i], m.OptE.V[i])
	}
	if m.EnergyEMA != nil {
		live = append(live, m.EnergyEMA.Shadow...)
	}
	return live
}

// save records the state before a step.
func (u *stepUndo) save(m *Model) {
	u.live = m.undoState()
	if u.be != m.be || len(u.saved) != len(u.live) {
		u.be, u.saved = m.be, make([]*tensor.Dense, len(u.live))
		for i, x := range u.live {
			u.saved[i] = m.be.Alloc(x.R, x.C)
		}
	}
	for i, x := range u.live {
		if u.saved[i].R != x.R || u.saved[i].C != x.C {
			u.saved[i] = m.be.Alloc(x.R, x.C)
		}
		m.be.Copy(u.saved[i], x)
	}
	u.pcg, u.adamT = *m.pcg, m.OptE.Step
}

// restore puts the state save recorded back.
func (u *stepUndo) restore(m *Model) {
	for i, x := range u.live {
		m.be.Copy(x, u.saved[i])
	}
	*m.pcg, m.OptE.Step = u.pcg, u.adamT
}
