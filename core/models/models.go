package models

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Energy scores x_k at step k: E(x_k, k), a B×1 column; p(x) ∝ exp(E(x, 0)).
type Energy interface {
	Forward(g *autograd.Graph, x *autograd.Node, k []int) *autograd.Node
}

// Generator predicts the clean sample x̂0 = G(x_{k+1}, z, k).
type Generator interface {
	Forward(g *autograd.Graph, xk1, z *autograd.Node, k []int, train bool) *autograd.Node
}

// Encoder is q_ψ(z | x_k, x_{k+1}, k): it returns the mean and log-variance of z.
type Encoder interface {
	Forward(g *autograd.Graph, xk, xk1 *autograd.Node, k []int, train bool) (mean, logVar *autograd.Node)
}

// Density is an energy that is a normalised log-density at every step:
// exp(E(·, k)) integrates to 1, so E(x, 0) is an exact log-likelihood,
// and Inverse turns N(0, I) draws into exact samples.
type Density interface {
	Energy
	Inverse(g *autograd.Graph, y *autograd.Node, k []int) *autograd.Node
}

// Stochastic is a network with dropout. Training gives it a seed from
// the model's random stream before each step, so that a resumed run
// draws the same masks; a seed of 0 turns dropout off, as sampling and
// scoring do.
type Stochastic interface {
	SetDropoutSeed(seed uint64)
}

// DataMatcher is a generator that can start where the data are: given a
// sample of training data (N×Dim, in the model's space) it sets its
// output layer so that x̂0 starts with the data's per-coordinate mean and
// spread. Training calls it once on a fresh adversarial model.
type DataMatcher interface {
	MatchData(x *tensor.Dense)
}

// Spec is what a family builds its networks from: the sizes a
// configuration holds.
type Spec struct {
	Dim  int // data dimension
	ZDim int // latent dimension
	T    int // diffusion steps
	// Hidden and GenHidden are the widths of the fully connected families:
	// each family's documentation says what it reads them as.
	Hidden, GenHidden int
	// Net is the family's own settings, of the type its NewSettings
	// returns; nil for a family without (it reads the fields above).
	Net any
}

// Size describes a network before it is built, so that its memory can be
// checked before it is taken. Each family's size function sits beside its
// constructor and is tested against the networks it builds.
type Size struct {
	// Values counts the parameters, batch-norm statistics and constant
	// tables: what the network keeps.
	Values float64
	// Width sums the outputs of the layers for one example in one forward
	// pass: the activations an example leaves.
	Width float64
	// StepRows counts the outputs of the branches that run once per step
	// on the T step embeddings, whatever the batch.
	StepRows float64
}

// Plus is the size of two networks together.
func (a Size) Plus(b Size) Size {
	return Size{a.Values + b.Values, a.Width + b.Width, a.StepRows + b.StepRows}
}

// Traits are what the algorithm and the evaluations need to know of a
// family beyond its networks.
type Traits struct {
	// Space is the coordinates the family's models work in.
	Space data.Space
	// Density is true when the energy is a normalised density (it
	// implements Density): exact log-likelihoods, flow samples and
	// maximum-likelihood training apply.
	Density bool
}

// Family builds the three networks of one architecture.
type Family interface {
	// Check reports the sizes in s the family cannot build, naming them
	// and the values found, or nil.
	Check(s Spec) error
	// Build creates the energy, generator and encoder of s (Check(s) is
	// nil), drawing their initial weights from rng.
	Build(s Spec, rng *rand.Rand) (Energy, Generator, Encoder)
	// Sizes returns the sizes of the networks Build makes.
	Sizes(s Spec) (energy, generator, encoder Size)
	// Describe names the sizes of s the family reads, for messages.
	Describe(s Spec) string
	Traits() Traits
	// NewSettings returns a pointer to a zero value of the family's own
	// settings type, into which a configuration's "net" member decodes,
	// or nil for a family without.
	NewSettings() any
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Family{}
)

// Register makes a family known under name. Families call it from an init
// function; a second family under one name is a programming error and
// panics at start-up.
func Register(name string, f Family) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup || name == "" || f == nil {
		panic(fmt.Sprintf("models: Register(%q): name empty, taken, or family nil", name))
	}
	registry[name] = f
}

// Lookup returns the family registered under name, or an error that
// lists the known names.
func Lookup(name string) (Family, error) {
	registryMu.RLock()
	f, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("model %q is not known (want one of %v)", name, Names())
	}
	return f, nil
}

// Names lists the registered families in alphabetical order.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Sorted(maps.Keys(registry))
}
