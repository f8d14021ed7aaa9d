package ddaebm

import (
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/diffusion"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/optim"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Model is a DDAEBM: networks, schedule, optimisers and random state.
type Model struct {
	Config   Config
	Schedule *diffusion.Schedule

	Energy    Energy
	Generator Generator
	Encoder   Encoder

	OptE *optim.Adam // energy parameters
	OptG *optim.Adam // generator and encoder parameters, one optimiser (§5)
	EMA  *optim.EMA  // generator weight average; nil when Config.EMA is 0

	// Step counts completed training iterations.
	Step int64

	pcg    *rand.PCG
	rng    *rand.Rand
	graph  *autograd.Graph
	lambda []float64 // importance ratio λ_k per step
	batch  batchScratch
}

// batchScratch holds the per-iteration inputs; they outlive the graph
// resets between the max and the min step.
type batchScratch struct {
	k                    []int
	x0, xk, xk1          *tensor.Dense
	z, zq, noise, noise2 *tensor.Dense
}

// New builds a freshly initialised model. All randomness (weights, data
// batches, noise) comes from one generator seeded with Config.Seed, whose
// state the checkpoint carries.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sched, _ := cfg.schedule()
	pcg := rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)
	rng := rand.New(pcg)
	m := &Model{Config: cfg, Schedule: sched, pcg: pcg, rng: rng, graph: autograd.NewGraph()}
	m.Energy, m.Generator, m.Encoder = buildNetworks(&cfg, rng)
	m.OptE = optim.NewAdam(m.Energy.Params(), cfg.LR, cfg.Beta1, cfg.Beta2)
	m.OptG = optim.NewAdam(append(m.Generator.Params(), m.Encoder.Params()...), cfg.LR, cfg.Beta1, cfg.Beta2)
	if cfg.EMA > 0 {
		m.EMA = optim.NewEMA(m.Generator.Params(), cfg.EMA)
	}
	// λ_k = w·(t'_{k+1})^{log_{1/2}(w_mid/w)} (eq. 21); 1 with the defaults.
	exp := math.Log(cfg.LambdaWMid/cfg.LambdaW) / math.Log(0.5)
	for k := 0; k < cfg.T; k++ {
		m.lambda = append(m.lambda, cfg.LambdaW*math.Pow(sched.TPrime[k+1], exp))
	}
	return m, nil
}

// Buffers returns the batch-norm statistics of the generator and encoder.
func (m *Model) Buffers() []nn.Buffer {
	return append(m.Generator.Buffers(), m.Encoder.Buffers()...)
}

func (m *Model) scratch(b int) *batchScratch {
	s := &m.batch
	if s.x0 == nil || s.x0.R != b {
		d, zd := m.Config.Dim, m.Config.ZDim
		*s = batchScratch{
			k:  make([]int, b),
			x0: tensor.New(b, d), xk: tensor.New(b, d), xk1: tensor.New(b, d),
			z: tensor.New(b, zd), zq: tensor.New(b, zd), noise: tensor.New(b, d), noise2: tensor.New(b, d),
		}
	}
	return s
}

// latent fills z with N(0, I) draws, or zeros for the no-latent ablation.
func (m *Model) latent(z *tensor.Dense) {
	if m.Config.Ablation == NoLatent {
		clear(z.Data)
		return
	}
	diffusion.FillNormal(z, m.rng)
}
