package ddaebm

import "fmt"

// mleStep is one Adam step of the energy on −mean E(x0, 0): the negative
// log-likelihood of the clean batch, exact when the energy is a
// normalised density (Config.MLE, the paper's "MLE(t)" baseline trained
// with the NICE_t network at k = 0). The generator and encoder stay as
// they were built.
func (m *Model) mleStep(s *batchScratch) (StepStats, error) {
	g := m.graph
	g.Reset()
	defer g.Reset()
	clear(s.k)
	loss := g.Scale(g.Mean(m.Energy.Forward(g, g.Const(s.x0), s.k)), -1)
	st := StepStats{LossE: g.Scalar(loss)}
	if !finite(st.LossE) {
		return st, fmt.Errorf("step %d: negative log-likelihood is %v; lower lr", m.Step, st.LossE)
	}
	descend(g, loss, m.OptE, m.EnergyEMA)
	m.Step++
	return st, nil
}
