package bindings

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// Model is a handle to a core model.
type Model struct {
	mu *sync.Mutex
	m  *ddaebm.Model
	// fit is the Fit that owns the model's training, nil when none does.
	fit *Fit
	// matched records that this handle started the MNIST generator at the
	// data (ddaebm.Model.MatchGeneratorToSource), which must happen once.
	matched bool
	// device is where the model is to compute (UseDevice); placed, that it
	// has moved there.
	device string
	placed bool
}

// DefaultToyConfig returns the paper's defaults for a 2-D toy set as JSON.
func DefaultToyConfig(data string) (cfg string, err error) {
	defer guard(&err)
	c := ddaebm.DefaultToyConfig(data)
	return string(c.JSON()), nil
}

// NewModel builds a freshly initialised model from a complete JSON
// configuration (the form DefaultToyConfig returns and checkpoints store).
func NewModel(configJSON string) (m *Model, err error) {
	defer guard(&err)
	cfg, err := ddaebm.ParseConfig([]byte(configJSON))
	if err != nil {
		return nil, asValue(err)
	}
	core, err := ddaebm.New(cfg)
	if err != nil {
		return nil, asValue(err)
	}
	return &Model{mu: new(sync.Mutex), m: core}, nil
}

// LoadModel restores a model from a checkpoint written by Save or by the
// train command.
func LoadModel(path string) (m *Model, err error) {
	defer guard(&err)
	core, err := ddaebm.Load(path)
	if err != nil {
		return nil, err
	}
	return &Model{mu: new(sync.Mutex), m: core}, nil
}

// lock takes the model's mutex and returns its unlock; it fails on a
// Model that Python built with its default constructor.
func (m *Model) lock() (func(), error) {
	if m == nil || m.m == nil {
		return nil, invalid("empty Model: make one with NewModel or LoadModel")
	}
	m.mu.Lock()
	return m.mu.Unlock, nil
}

// lockPlaced is lock for the calls that compute: it first moves the model
// to the device UseDevice chose, if it has not moved yet.
func (m *Model) lockPlaced() (func(), error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	if !m.placed && m.device != "" {
		if err := m.m.UseDevice(m.device); err != nil {
			unlock()
			return nil, err
		}
		m.placed = true
	}
	return unlock, nil
}

// UseDevice makes the model compute on device, a value SelectDevice
// returned, from its next training, sampling or scoring call on. The move
// waits until then so that Fit.UseDataset can still start a fresh MNIST
// generator at the data, which happens on the CPU.
func (m *Model) UseDevice(device string) (err error) {
	defer guard(&err)
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if m.placed {
		return invalid("the model already computes on %s", m.device)
	}
	m.device = device
	return nil
}

// Save writes a checkpoint (the complete training state) to path,
// atomically.
func (m *Model) Save(path string) (err error) {
	defer guard(&err)
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return m.m.Save(path)
}

// Info returns {"config": {…}, "step": n, "energy_weights": e,
// "generator_weights": g} as JSON, e and g the weights scores and samples
// use now ("ema" or "last").
func (m *Model) Info() (info string, err error) {
	defer guard(&err)
	unlock, err := m.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	b, err := json.Marshal(struct {
		Config    ddaebm.Config  `json:"config"`
		Step      int64          `json:"step"`
		Energy    ddaebm.Weights `json:"energy_weights"`
		Generator ddaebm.Weights `json:"generator_weights"`
	}{m.m.Config, m.m.Step, m.m.ScoringWeights(), m.m.SamplingWeights()})
	return string(b), err
}

// SetWeights chooses the weights of the network named ("energy" for
// scores, "generator" for samples): "ema" (the network's weight average
// where the model keeps one, else the last weights) or "last".
func (m *Model) SetWeights(network, weights string) (err error) {
	defer guard(&err)
	w, err := ddaebm.ParseWeights(weights)
	if err != nil {
		return invalid("%s %v", network, err)
	}
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	switch network {
	case "energy":
		m.m.ScoreWeights = w
	case "generator":
		m.m.SampleWeights = w
	default:
		return invalid("no network %q has weights to choose (want energy or generator)", network)
	}
	return nil
}

// Sample draws n samples (NFE = T) into out, a float32 n×dim buffer; seed
// makes the draw reproducible and independent of training. c stops it
// (see Cancellation).
func (m *Model) Sample(c *Cancellation, n int, seed uint64, outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return err
	}
	defer unlock()
	if n < 1 {
		return invalid("sample: n must be ≥ 1, got %d", n)
	}
	x, err := m.m.Sample(c.context(), n, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err
	}
	return writeMatrix("samples", x, outAddr, outBytes)
}

// Energy writes E(x_i, k) of the rows of points (float32, rows×dim) into
// out (float64, rows values). c stops it (see Cancellation).
func (m *Model) Energy(c *Cancellation, pointsAddr uintptr, pointsBytes, rows, k int, outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return err
	}
	defer unlock()
	x, err := readMatrix("points", pointsAddr, pointsBytes, rows, m.m.Config.Dim)
	if err != nil {
		return err
	}
	out, err := view[float64]("energies", outAddr, outBytes, rows)
	if err != nil {
		return err
	}
	if k < 0 || k >= m.m.Config.T {
		return invalid("energy: step k = %d outside 0..%d (T = %d)", k, m.m.Config.T-1, m.m.Config.T)
	}
	if rows == 0 {
		return nil
	}
	e, err := m.m.EnergyAt(c.context(), x, k)
	if err != nil {
		return err
	}
	copy(out, e)
	return nil
}

// DensityGrid normalises exp(E(x, 0)) on the cells of an n×n grid over
// [−lim, lim]², writes log p̂ at the cell centres into out (float64 n×n,
// row 0 at y = −lim) and returns log Z. c stops it (see Cancellation).
func (m *Model) DensityGrid(c *Cancellation, lim float64, n int, outAddr uintptr, outBytes int) (logZ float64, err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return 0, err
	}
	defer unlock()
	if err := m.gridArgs(lim, n); err != nil {
		return 0, err
	}
	out, err := view[float64]("grid", outAddr, outBytes, n*n)
	if err != nil {
		return 0, err
	}
	g, err := m.m.DensityGrid(c.context(), lim, n)
	if err != nil {
		return 0, err
	}
	copy(out, g.LogP)
	return g.LogZ, nil
}

// GridNLL is the mean negative log-likelihood of the test points
// (float32 rows×2) under exp(E(x, 0)) normalised on an n×n grid over
// [−lim, lim]², widened to hold the points (ddaebm.Model.GridNLL). c stops
// it (see Cancellation).
func (m *Model) GridNLL(c *Cancellation, lim float64, n int, testAddr uintptr, testBytes, rows int) (nll float64, err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return 0, err
	}
	defer unlock()
	if err := m.gridArgs(lim, n); err != nil {
		return 0, err
	}
	test, err := readMatrix("test points", testAddr, testBytes, rows, 2)
	if err != nil {
		return 0, err
	}
	nll, _, err = m.m.GridNLL(c.context(), test, lim, n)
	return nll, err
}

// gridArgs checks the arguments of the grid metrics.
func (m *Model) gridArgs(lim float64, n int) error {
	if m.m.Config.Dim != 2 {
		return invalid("density on a grid needs a 2-D model, this one has dimension %d", m.m.Config.Dim)
	}
	if !(lim > 0) || math.IsInf(lim, 0) || n < 1 {
		return invalid("density grid: want a finite half-width lim > 0 and n ≥ 1 cells a side, got %v and %d", lim, n)
	}
	return nil
}

// EvaluateToy measures the model on the named toy set with the §8
// protocol (grid NLL, KL where defined, MMD, modes on 25gaussians) and
// returns the report as JSON. c stops it (see Cancellation).
func (m *Model) EvaluateToy(c *Cancellation, name string, gridN, testN, sampleN int, seed uint64) (report string, err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return "", err
	}
	defer unlock()
	if data.ToyLimit(name) == 0 {
		return "", invalid("unknown toy set %q (known: %v)", name, data.ToyNames())
	}
	if m.m.Config.Dim != 2 {
		return "", invalid("toy evaluation needs a 2-D model, this one has dimension %d", m.m.Config.Dim)
	}
	if gridN < 1 || testN < ddaebm.MinToyTestN || sampleN < 1 {
		return "", invalid("toy evaluation needs grid_n ≥ 1, test_n ≥ %d (the MMD's bandwidth is the test points' median distance) and sample_n ≥ 1, got %d, %d and %d",
			ddaebm.MinToyTestN, gridN, testN, sampleN)
	}
	opt := ddaebm.DefaultToyEval(name)
	opt.GridN, opt.TestN, opt.SampleN, opt.Seed = gridN, testN, sampleN, seed
	r, err := m.m.EvaluateToy(c.context(), opt)
	if err != nil {
		return "", err
	}
	fields := map[string]any{"grid_nll": r.GridNLL, "grid_lim": r.GridLim, "mmd": r.MMD, "kl_grid": nil, "modes_covered": nil, "hq_fraction": nil}
	if r.KLGrid != nil {
		fields["kl_grid"] = *r.KLGrid
	}
	if r.ModesCovered != nil {
		fields["modes_covered"], fields["hq_fraction"] = *r.ModesCovered, *r.HQFraction
	}
	return pyJSON(fields), nil
}
