package ddaebm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/diffusion"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/optim"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Model is a DDAEBM: networks, schedule, optimisers and random state.
type Model struct {
	Config   Config
	Schedule *diffusion.Schedule

	// The networks' parameters, buffers (batch-norm statistics) and
	// constants (step-embedding tables) are found by walking them:
	// nn.Params, nn.Buffers, nn.Constants.
	Energy    models.Energy
	Generator models.Generator
	Encoder   models.Encoder

	OptE *optim.Adam // energy parameters
	OptG *optim.Adam // generator and encoder parameters, one optimiser (§5)
	EMA  *optim.EMA  // generator weight average; nil when Config.EMA is 0
	// EnergyEMA is the energy's weight average; nil when Config.EnergyEMA is 0.
	EnergyEMA *optim.EMA
	// ScoreWeights chooses the energy weights that scores use when the
	// model keeps an average (EnergyAt and everything built on it:
	// density grids, OOD scores, likelihoods, flow samples).
	ScoreWeights Weights
	// SampleWeights chooses the generator weights that sampling uses when
	// the model keeps an average (SampleWith, OneStepFakes).
	SampleWeights Weights

	// Step counts completed training iterations.
	Step int64

	pcg    *rand.PCG
	rng    *rand.Rand
	be     autograd.Backend // where the weights live and the graph computes
	graph  *autograd.Graph
	lambda []float64 // importance ratio λ_k per step
	batch  batchScratch
	chain  *tensor.Dense // the sampler's x_k between steps, on the backend
	undo   stepUndo      // what an interrupted step puts back (interrupt.go)
}

// batchScratch holds the per-iteration inputs, on the model's backend;
// they outlive the graph resets between the max and the min step.
type batchScratch struct {
	k           []int
	x0, xk, xk1 *tensor.Dense
}

// New builds a freshly initialised model. All randomness (weights, data
// batches, noise) comes from one generator seeded with Config.Seed, whose
// state the checkpoint carries.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return build(cfg), nil
}

// build is New for a configuration already validated.
func build(cfg Config) *Model {
	sched, _ := cfg.schedule()
	pcg := rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)
	rng := rand.New(pcg)
	be := autograd.NewCPU()
	m := &Model{Config: cfg, Schedule: sched, pcg: pcg, rng: rng, be: be, graph: autograd.NewGraphOn(be)}
	family, _ := cfg.family()
	m.Energy, m.Generator, m.Encoder = family.Build(cfg.spec(), rng)
	m.OptE = optim.NewAdam(nn.Params(m.Energy), cfg.LR, cfg.Beta1, cfg.Beta2)
	m.OptG = optim.NewAdam(append(nn.Params(m.Generator), nn.Params(m.Encoder)...), cfg.LR, cfg.Beta1, cfg.Beta2)
	if cfg.EMA > 0 {
		m.EMA = optim.NewEMA(nn.Params(m.Generator), cfg.EMA)
	}
	if cfg.EnergyEMA > 0 {
		m.EnergyEMA = optim.NewEMA(nn.Params(m.Energy), cfg.EnergyEMA)
	}
	// λ_k = w·(t'_{k+1})^{log_{1/2}(w_mid/w)} (eq. 21); 1 with the defaults.
	exp := math.Log(cfg.LambdaWMid/cfg.LambdaW) / math.Log(0.5)
	for k := 0; k < cfg.T; k++ {
		m.lambda = append(m.lambda, cfg.LambdaW*math.Pow(sched.TPrime[k+1], exp))
	}
	return m
}

// Buffers returns the batch-norm statistics of the generator and encoder.
func (m *Model) Buffers() []nn.Buffer {
	return append(nn.Buffers(m.Generator), nn.Buffers(m.Encoder)...)
}

func (m *Model) scratch(b int) *batchScratch {
	s := &m.batch
	if s.x0 == nil || s.x0.R != b {
		d := m.Config.Dim
		*s = batchScratch{k: make([]int, b), x0: m.be.Alloc(b, d), xk: m.be.Alloc(b, d), xk1: m.be.Alloc(b, d)}
	}
	return s
}

// latent returns b latent draws z ~ N(0, I) from the stream of rng, or
// zeros for the no-latent ablation.
func (m *Model) latent(g *autograd.Graph, b int, rng *rand.Rand) *autograd.Node {
	if m.Config.Ablation == NoLatent {
		return g.Zeros(b, m.Config.ZDim)
	}
	return g.Normal(b, m.Config.ZDim, rng.Uint64())
}

// UseBackend moves the model's persistent tensors (weights, gradients,
// Adam moments, the weight average, batch-norm statistics) to be, where
// training, sampling and scoring then compute. A model moves once, from
// the CPU it was built or loaded on. Checkpoints are written from
// wherever the model is and always load on the CPU, so they do not depend
// on the device: train on a GPU, evaluate on the CPU, and back.
func (m *Model) UseBackend(be autograd.Backend) error {
	if !m.onCPU() {
		return fmt.Errorf("the model has already moved off the CPU")
	}
	seen := make(map[*tensor.Dense]bool)
	move := func(d *tensor.Dense) {
		if seen[d] {
			return
		}
		seen[d] = true
		v := be.Alloc(d.R, d.C)
		be.Upload(v, d)
		*d = *v
	}
	for _, t := range m.state() {
		move(t.value)
	}
	for _, p := range append(m.OptE.Params, m.OptG.Params...) {
		move(p.Grad)
	}
	for _, nets := range [][]*tensor.Dense{nn.Constants(m.Energy), nn.Constants(m.Generator), nn.Constants(m.Encoder)} {
		for _, c := range nets {
			move(c)
		}
	}
	m.be, m.graph, m.batch, m.chain = be, autograd.NewGraphOn(be), batchScratch{}, nil
	m.OptE.Backend, m.OptG.Backend = be, be
	for _, e := range []*optim.EMA{m.EMA, m.EnergyEMA} {
		if e != nil {
			e.Backend = be
		}
	}
	return m.backendErr()
}

// Weights names a set of weights of a network.
type Weights string

const (
	// AveragedWeights are the network's weight average (Config.EnergyEMA,
	// Config.EMA), where the model keeps one: the default.
	AveragedWeights Weights = "ema"
	// LastWeights are the network's weights after the last training step.
	LastWeights Weights = "last"
)

// ParseWeights reads "ema" or "last".
func ParseWeights(s string) (Weights, error) {
	switch w := Weights(s); w {
	case AveragedWeights, LastWeights:
		return w, nil
	}
	return "", fmt.Errorf("weights %q are not known (want %s or %s)", s, AveragedWeights, LastWeights)
}

// ScoringWeights are the energy weights scores use now: the average
// unless the model keeps none or ScoreWeights asks for the last ones.
func (m *Model) ScoringWeights() Weights { return chosen(m.EnergyEMA, m.ScoreWeights) }

// SamplingWeights are the generator weights sampling uses now: the
// average unless the model keeps none or SampleWeights asks for the last
// ones.
func (m *Model) SamplingWeights() Weights { return chosen(m.EMA, m.SampleWeights) }

func chosen(average *optim.EMA, want Weights) Weights {
	if average != nil && want != LastWeights {
		return AveragedWeights
	}
	return LastWeights
}

// withScoringWeights puts the scoring weights in place and returns what
// puts the trained ones back.
func (m *Model) withScoringWeights() (restore func()) {
	return swapIn(m.EnergyEMA, m.ScoringWeights())
}

// withSamplingWeights is withScoringWeights for the generator.
func (m *Model) withSamplingWeights() (restore func()) { return swapIn(m.EMA, m.SamplingWeights()) }

func swapIn(average *optim.EMA, w Weights) (restore func()) {
	if w != AveragedWeights {
		return func() {}
	}
	average.Swap()
	return average.Swap
}

func (m *Model) onCPU() bool {
	_, ok := m.be.(*autograd.CPU)
	return ok
}

// backendErr returns the first failure a device backend has recorded
// (its methods return nothing, so it keeps the error for the caller).
func (m *Model) backendErr() error {
	if e, ok := m.be.(interface{ Err() error }); ok {
		if err := e.Err(); err != nil {
			return fmt.Errorf("device: %w", err)
		}
	}
	return nil
}

// hostCopy returns d on the host: d itself there, a downloaded copy from
// a device.
func (m *Model) hostCopy(d *tensor.Dense) *tensor.Dense {
	if !d.OnDevice() {
		return d
	}
	h := tensor.New(d.R, d.C)
	m.be.Download(h, d)
	return h
}
