package ddaebm

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/models/nice"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/optim"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The Config.Data names of the image sets train mnist trains on.
const (
	MNISTData        = "mnist"
	StackedMNISTData = "stackedmnist" // three MNIST digits as the channels of one image
)

// DefaultMNISTConfig returns the paper's MNIST setting (§4.2, B.2.2,
// Tables 7 and 10; docs/ALGORITHM.md §2–§7): the NICE_t energy with shift
// networks of width 1000, generator and encoder of base width 1600 with a
// 50-dimensional latent, T = 4, β 0.1…10, w_fake = 0.1, the image floor
// max(log v_k, log v_1) in L2, Adam(0, 0.9) at lr 1e-4, batch 128, no EMA.
// The paper gives no γ for MNIST; 0.02 is its value for toys and CIFAR-10.
func DefaultMNISTConfig() Config {
	return Config{
		Data: MNISTData, Dim: data.MNISTPixels, Model: nice.Name,
		T: 4, BetaMin: 0.1, BetaMax: 10, Schedule: "vp",
		Gamma: 0.02, WFake: 0.1, WEnt: 0.1, LambdaW: 1, LambdaWMid: 1, PostVarFloorStep: 1,
		Ablation: Full, PenaltyAt: PenaltyAtReal, L2: L2Posterior,
		ZDim: 50, Hidden: 1000, GenHidden: 1600,
		LR: 1e-4, Beta1: 0, Beta2: 0.9, Batch: 128,
	}
}

// EvalSeed fixes what every evaluation of MNIST-family data draws (the
// dequantisation noise of the test digits, StackedMNIST's test images), so
// that every run and every baseline is scored on the same points.
const EvalSeed = 20240701

// ItersPerEpoch is the number of batches of the given size that make one
// pass over n training examples (batches are drawn with replacement, so an
// "epoch" is this many iterations).
func ItersPerEpoch(n, batch int) int64 { return int64((n + batch - 1) / batch) }

// MNISTSource draws training batches of images in logit space: rows drawn
// uniformly with replacement, freshly dequantised every time they are
// drawn, then mapped through the logit (core/data's preprocessing, §7).
type MNISTSource struct {
	pixels  *tensor.Dense // N×D pixel values in [0, 1]
	scratch *tensor.Dense
}

// NewMNISTSource serves batches of the given pixel images (N×D, values in [0, 1]).
func NewMNISTSource(pixels *tensor.Dense) (*MNISTSource, error) {
	if pixels.R < 1 || pixels.C < 2 {
		return nil, fmt.Errorf("image set is %d×%d, want at least one row of two or more pixels", pixels.R, pixels.C)
	}
	for i, v := range pixels.Data {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("pixel value %v at row %d, column %d outside [0, 1]", v, i/pixels.C, i%pixels.C)
		}
	}
	return &MNISTSource{pixels: pixels}, nil
}

// Batch fills dst with logit(dequantise(x)) of dst.R random images.
func (s *MNISTSource) Batch(dst *tensor.Dense, rng *rand.Rand) error {
	if s.scratch == nil || s.scratch.R != dst.R {
		s.scratch = tensor.New(dst.R, s.pixels.C)
	}
	for i := 0; i < dst.R; i++ {
		copy(s.scratch.Row(i), s.pixels.Row(rng.IntN(s.pixels.R)))
	}
	dst.CopyFrom(data.Logit(data.Dequantize(s.scratch, rng)))
	return nil
}

// Dim is the number of pixels.
func (s *MNISTSource) Dim() int { return s.pixels.C }

// MNISTTestSet returns logit(dequantise(pixels)) with the dequantisation
// noise drawn from seed: a fixed evaluation set, the same for every model
// scored with the same seed.
func MNISTTestSet(pixels *tensor.Dense, seed uint64) *tensor.Dense {
	return data.Logit(data.Dequantize(pixels, rand.New(rand.NewPCG(seed, 0x5eed))))
}

// MatchGeneratorToData starts the MNIST generator's prediction x̂0 at the
// data: per pixel, the mean of the sample x (logit space, N×Dim) and a
// spread proportional to its standard deviation. Call it once on a fresh
// model. Why: the energy's gradient penalty acts only at real data, so
// wherever the fakes are far from every real image the max step can push
// E(fake) down without bound; a generator whose x̂0 starts near 0 while
// MNIST's background sits at logit(1e-3) ≈ −6.9 never catches up (E(fake)
// reached −1e10 within 300 iterations). Starting at the data's mean and
// spread keeps fakes and reals in the same region from the first step.
func (m *Model) MatchGeneratorToData(x *tensor.Dense) error {
	gen, ok := m.Generator.(models.DataMatcher)
	if !ok {
		return fmt.Errorf("the generator of a %q model cannot be matched to data", m.Config.Model)
	}
	if m.Step != 0 {
		return fmt.Errorf("the generator can only be matched to data before training (model is at step %d)", m.Step)
	}
	if !m.onCPU() {
		return fmt.Errorf("match the generator to data before moving the model to a device")
	}
	if x.C != m.Config.Dim || x.R < 2 {
		return fmt.Errorf("data sample is %d×%d, want at least 2 rows of %d values", x.R, x.C, m.Config.Dim)
	}
	gen.MatchData(x)
	if m.EMA != nil { // the average must start from the matched weights
		m.EMA = optim.NewEMA(nn.Params(m.Generator), m.Config.EMA)
	}
	return nil
}

// GeneratorStartsAtData reports whether training starts the generator at
// the data (MatchGeneratorToSource) before the first step: for an
// adversarial model whose generator can be matched (models.DataMatcher).
func (m *Model) GeneratorStartsAtData() bool {
	_, ok := m.Generator.(models.DataMatcher)
	return ok && !m.Config.MLE
}

// MatchRows is the number of training examples whose statistics
// MatchGeneratorToSource uses.
const MatchRows = 10000

// MatchGeneratorToSource is MatchGeneratorToData on MatchRows examples
// drawn from src with a generator of their own, seeded from Config.Seed,
// so that the training stream is untouched and every entry point (the
// train command, the Python package) starts from the same weights.
func (m *Model) MatchGeneratorToSource(src Source) error {
	sample := tensor.New(MatchRows, m.Config.Dim)
	if err := src.Batch(sample, rand.New(rand.NewPCG(m.Config.Seed, MatchRows))); err != nil {
		return err
	}
	return m.MatchGeneratorToData(sample)
}
