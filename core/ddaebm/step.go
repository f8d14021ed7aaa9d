package ddaebm

import (
	"context"
	"fmt"
	"math"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/diffusion"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/optim"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// StepStats are the losses of one training iteration.
type StepStats struct {
	LossE     float64 `json:"loss_e"`  // max-step loss including the penalty
	Penalty   float64 `json:"penalty"` // mean ‖∇ₓ[E + log q]‖² on real pairs
	EnergyGap float64 `json:"e_gap"`   // mean E(real) − mean E(fake)
	LossG     float64 `json:"loss_g"`  // L1 + L2
	L2        float64 `json:"l2"`      // reverse-KL bound (0 when dropped)
}

// TrainStep runs one iteration on the clean batch x0 (B×Dim): draw steps
// and pairs, one max step on the energy, one min step on the generator
// and encoder (with Config.MLE, one maximum-likelihood step of the energy
// instead). It returns an error, leaving the weights of the failing step
// unapplied, when a loss is not finite.
func (m *Model) TrainStep(x0 *tensor.Dense) (StepStats, error) {
	return m.TrainStepContext(context.Background(), x0)
}

// TrainStepContext is TrainStep stopping once ctx is done, within one
// operation of the step's graph: it then returns ctx's error with the
// model exactly as before the step (weights, optimiser state, averages,
// buffers and random stream), so that a run stopped and resumed is the
// run that never stopped. Saving that state costs a copy of the energy's
// weights and moments per step, made only when ctx can be done.
func (m *Model) TrainStepContext(ctx context.Context, x0 *tensor.Dense) (StepStats, error) {
	if ctx.Done() == nil {
		return m.trainStep(x0)
	}
	if err := ctx.Err(); err != nil {
		return StepStats{}, err
	}
	m.undo.save(m)
	var st StepStats
	var err error
	if ierr := m.graph.Interruptible(ctx, func() { st, err = m.trainStep(x0) }); ierr != nil {
		m.undo.restore(m)
		return StepStats{}, ierr
	}
	return st, err
}

// trainStep is TrainStep's iteration.
func (m *Model) trainStep(x0 *tensor.Dense) (StepStats, error) {
	cfg := &m.Config
	if x0.C != cfg.Dim || x0.R < 2 {
		return StepStats{}, fmt.Errorf("batch is %d×%d, want at least 2 rows of %d values", x0.R, x0.C, cfg.Dim)
	}
	if s := &m.batch; s.x0 == nil || s.x0.R != x0.R {
		if err := cfg.checkStepMemory(x0.R); err != nil {
			return StepStats{}, err
		}
	}
	s := m.scratch(x0.R)
	m.be.Upload(s.x0, x0)
	if cfg.MLE {
		return m.mleStep(s)
	}
	m.drawPairs(s)
	if cfg.CosineIters > 0 {
		m.OptE.LR = cfg.learningRate(m.Step)
		m.OptG.LR = m.OptE.LR
	}
	if m.stochastic() {
		m.setDropout(m.rng.Uint64())
		defer m.setDropout(0)
	}

	var st StepStats
	if err := m.maxStep(s, &st); err != nil {
		return st, err
	}
	if err := m.minStep(s, &st); err != nil {
		return st, err
	}
	if err := m.backendErr(); err != nil {
		return st, err
	}
	m.Step++
	return st, nil
}

// learningRate is the learning rate of the step after step steps: LR,
// or its cosine decay to LRMin over CosineIters steps.
func (c *Config) learningRate(step int64) float64 {
	if c.CosineIters <= 0 {
		return c.LR
	}
	t := min(float64(step)/float64(c.CosineIters), 1)
	return c.LRMin + (c.LR-c.LRMin)*(1+math.Cos(math.Pi*t))/2
}

// stochastic reports whether any network has dropout.
func (m *Model) stochastic() bool {
	for _, net := range []any{m.Energy, m.Generator, m.Encoder} {
		if _, ok := net.(models.Stochastic); ok {
			return true
		}
	}
	return false
}

// setDropout gives each network with dropout its own seed derived from
// seed for the masks of this step; 0 turns dropout off, as everything
// outside a training step runs.
func (m *Model) setDropout(seed uint64) {
	for i, net := range []any{m.Energy, m.Generator, m.Encoder} {
		if s, ok := net.(models.Stochastic); ok {
			if seed != 0 {
				s.SetDropoutSeed(seed ^ uint64(i+1)*0x9e3779b97f4a7c15 | 1)
			} else {
				s.SetDropoutSeed(0)
			}
		}
	}
}

// drawPairs draws each example's step k and its pair (x_k, x_{k+1}).
func (m *Model) drawPairs(s *batchScratch) {
	for i := range s.k {
		s.k[i] = m.rng.IntN(m.Config.T)
	}
	g := m.graph
	g.Reset()
	defer g.Reset()
	prev := g.SetRecord(false)
	defer g.SetRecord(prev)
	xk, xk1 := m.Schedule.Pair(g, g.Const(s.x0), s.k, m.rng.Uint64(), m.rng.Uint64())
	m.be.Copy(s.xk, xk.Value)
	m.be.Copy(s.xk1, xk1.Value)
}

// maxStep: one Adam step of the energy on energyLoss.
func (m *Model) maxStep(s *batchScratch, st *StepStats) error {
	g := m.graph
	g.Reset()
	defer g.Reset()

	// Fakes x'_k ~ p_φ(x_k | x_{k+1}), detached from the generator.
	b := len(s.k)
	prev := g.SetRecord(false)
	z := m.latent(g, b, m.rng)
	noise := g.Normal(b, m.Config.Dim, m.rng.Uint64())
	fake := m.generate(g, g.Const(s.xk1), s.k, z, noise)
	g.SetRecord(prev)

	loss := m.energyLoss(g, s.xk, s.xk1, fake.Value, s.k, m.drawEnergyExtras(s), st)
	if !finite(st.LossE) {
		return fmt.Errorf("step %d: energy loss is %v (energy gap %v, penalty %v); lower lr or raise gamma",
			m.Step, st.LossE, st.EnergyGap, st.Penalty)
	}
	descend(g, loss, m.OptE, m.EnergyEMA)
	return nil
}

// energyExtras are the max step's draws for the options beside the
// paper's loss (host tensors; nil where the option is off).
type energyExtras struct {
	mix *tensor.Dense // B×1 interpolation weights u ~ U(0, 1) (PenaltyAtInterpolates)
}

// drawEnergyExtras draws what the chosen options need, and nothing (so
// the random stream is the paper's) when none is on.
func (m *Model) drawEnergyExtras(s *batchScratch) energyExtras {
	var ex energyExtras
	if m.Config.PenaltyAt == PenaltyAtInterpolates {
		ex.mix = tensor.New(len(s.k), 1)
		for i := range ex.mix.Data {
			ex.mix.Data[i] = tensor.Float(m.rng.Float64())
		}
	}
	return ex
}

// energyLoss builds loss_E = mean(−E(x_k,k) + w_fake·E(x'_k,k))
// + γ/2·mean‖∇_x[E(x,k) + log q(x_{k+1}|x)]‖² (eqs. 22, 23), the
// penalty at x = x_k (the paper) or where Config.PenaltyAt says. The
// penalty's gradient is recorded
// (double backpropagation), so the returned loss differentiates exactly
// into the energy's parameters.
func (m *Model) energyLoss(g *autograd.Graph, xkV, xk1V, fakeV *tensor.Dense, k []int, ex energyExtras, st *StepStats) *autograd.Node {
	cfg := &m.Config
	site := cfg.PenaltyAt
	xk, xk1, fake := g.Leaf(xkV), g.Const(xk1V), g.Const(fakeV)
	if site == PenaltyAtFake || site == PenaltyAtRealAndFake {
		fake = g.Leaf(fakeV)
	}
	eReal := m.Energy.Forward(g, xk, k)
	eFake := m.Energy.Forward(g, fake, k)
	loss := g.Mean(g.Sub(g.Scale(eFake, tensor.Float(cfg.WFake)), eReal))
	if cfg.Gamma > 0 {
		// penaltyAt is mean ‖∇_x[E(x,k) + log q(x_{k+1}|x)]‖² for the leaf x with energies e.
		penaltyAt := func(x, e *autograd.Node) *autograd.Node {
			cond := g.Add(e, m.Schedule.LogTransition(g, xk1, x, k))
			grad := g.Grad(g.SumAll(cond), []*autograd.Node{x}, true)[0]
			return g.Mean(g.SumRows(g.Square(grad)))
		}
		var penalty *autograd.Node
		switch site {
		case PenaltyAtReal:
			penalty = penaltyAt(xk, eReal)
		case PenaltyAtFake:
			penalty = penaltyAt(fake, eFake)
		case PenaltyAtRealAndFake:
			penalty = g.Scale(g.Add(penaltyAt(xk, eReal), penaltyAt(fake, eFake)), 0.5)
		case PenaltyAtInterpolates:
			prev := g.SetRecord(false)
			u := g.ConstHost(ex.mix)
			mixed := g.Add(g.MulCol(g.Const(xkV), u), g.MulCol(g.Const(fakeV), g.AddConst(g.Scale(u, -1), 1)))
			g.SetRecord(prev)
			x := g.Leaf(mixed.Value)
			penalty = penaltyAt(x, m.Energy.Forward(g, x, k))
		}
		st.Penalty = g.Scalar(penalty)
		loss = g.Add(loss, g.Scale(penalty, tensor.Float(cfg.Gamma/2)))
	}
	st.LossE = g.Scalar(loss)
	st.EnergyGap = nodeMean(g, eReal) - nodeMean(g, eFake)
	return loss
}

// minStep: one Adam step of the generator and encoder on generatorLoss,
// through the frozen energy.
func (m *Model) minStep(s *batchScratch, st *StepStats) error {
	cfg, g := &m.Config, m.graph
	g.Reset()
	defer g.Reset()
	b := len(s.k)
	z := m.latent(g, b, m.rng)
	noise := g.Normal(b, cfg.Dim, m.rng.Uint64())
	var eps *autograd.Node // z_q's noise, drawn only where L2 samples from the encoder
	if cfg.Ablation == Full {
		eps = g.Normal(b, cfg.ZDim, m.rng.Uint64())
	}
	loss := m.generatorLoss(g, g.Const(s.xk), g.Const(s.xk1), s.k, z, noise, eps, st)
	if !finite(st.LossG) {
		return fmt.Errorf("step %d: generator loss is %v (L2 %v); lower lr", m.Step, st.LossG, st.L2)
	}
	descend(g, loss, m.OptG, m.EMA)
	return nil
}

// descend takes one step of opt on loss and moves the weight average, if
// one is kept.
func descend(g *autograd.Graph, loss *autograd.Node, opt *optim.Adam, average *optim.EMA) {
	opt.ZeroGrad()
	g.Backward(loss, opt.Params)
	opt.Update()
	if average != nil {
		average.Update()
	}
}

// generate draws fakes x'_k = c1_k·G(x_{k+1}, z, k) + c2_k·x_{k+1} + √v_k·noise
// from p_φ(x_k | x_{k+1}), with batch norm on the batch's statistics.
func (m *Model) generate(g *autograd.Graph, xk1 *autograd.Node, k []int, z, noise *autograd.Node) *autograd.Node {
	return m.Schedule.PosteriorSample(g, m.Generator.Forward(g, xk1, z, k, true), xk1, k, noise)
}

// generatorLoss builds loss_G = L1 + L2 (§5) for the pair (x_k, x_{k+1})
// from the draws z, noise (the fake's) and eps (z_q's, used by the full
// algorithm only):
//
//	L1 = mean(−E(x'_k, k) − log q(x_{k+1} | x'_k)) + w_ent·mean(−log q_ψ(z | x'_k, x_{k+1}, k)),
//	L2 = mean(λ_k·(KL(q_ψ(·|x_k, x_{k+1}, k) ‖ N(0, I)) − log q(x_k | x_{k+1}, G(x_{k+1}, z_q, k)))),
//
// or, with Config.L2 = L2ReleaseMSE,
//
//	L2 = mean(KL(q_ψ(·|x_k, x_{k+1}, k) ‖ N(0, I)) + ‖x_k − μ_post(G(x_{k+1}, z, k), x_{k+1})‖²).
func (m *Model) generatorLoss(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, z, noise, eps *autograd.Node, st *StepStats) *autograd.Node {
	cfg := &m.Config
	x0 := m.Generator.Forward(g, xk1, z, k, true)
	fake := m.Schedule.PosteriorSample(g, x0, xk1, k, noise)
	per := g.Add(m.Energy.Forward(g, fake, k), m.Schedule.LogTransition(g, xk1, fake, k))
	loss := g.Scale(g.Mean(per), -1)
	useEncoder := cfg.Ablation == Full || cfg.Ablation == KLOnly
	if useEncoder && cfg.WEnt > 0 {
		mu, lv := m.Encoder.Forward(g, fake, xk1, k, true)
		ent := g.Mean(g.GaussianLogPDF(z, mu, lv))
		loss = g.Sub(loss, g.Scale(ent, tensor.Float(cfg.WEnt)))
	}
	if cfg.L2 == L2ReleaseMSE && (cfg.Ablation == Full || cfg.Ablation == NoLatent) {
		// The release's CIFAR-10 term: the encoder's KL (at the real pair)
		// and the squared error of the prior-z prediction's posterior mean.
		term := g.SumRows(g.Square(g.Sub(xk, m.Schedule.PosteriorMean(g, x0, xk1, k))))
		if cfg.Ablation == Full {
			mu, lv := m.Encoder.Forward(g, xk, xk1, k, true)
			term = g.Add(g.StdNormalKL(mu, lv), term)
		}
		l2 := g.Mean(term)
		st.L2 = g.Scalar(l2)
		loss = g.Add(loss, l2)
	} else if cfg.Ablation == Full || cfg.Ablation == NoLatent {
		var zq, kl *autograd.Node
		if cfg.Ablation == Full {
			mu, lv := m.Encoder.Forward(g, xk, xk1, k, true)
			zq = g.Add(mu, g.Mul(g.Exp(g.Scale(lv, 0.5)), eps))
			kl = g.StdNormalKL(mu, lv)
		} else {
			zq = g.Zeros(len(k), cfg.ZDim)
		}
		x0 := m.Generator.Forward(g, xk1, zq, k, true)
		rec := m.Schedule.PosteriorLogPDF(g, xk, x0, xk1, k, cfg.postLogVarFloor(m.Schedule))
		term := g.Scale(rec, -1)
		if kl != nil {
			term = g.Add(kl, term)
		}
		l2 := g.Mean(g.MulCol(term, diffusion.Column(g, m.lambda, k)))
		st.L2 = g.Scalar(l2)
		loss = g.Add(loss, l2)
	}
	st.LossG = g.Scalar(loss)
	return loss
}

// nodeMean returns the mean of n's elements without recording it.
func nodeMean(g *autograd.Graph, n *autograd.Node) float64 {
	prev := g.SetRecord(false)
	defer g.SetRecord(prev)
	return g.Scalar(g.Mean(n))
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
