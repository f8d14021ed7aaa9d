package classify

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Classes is the number of digit classes.
const Classes = 10

// Mean and standard deviation of the MNIST training pixels: inputs are
// standardised with them so that the first layer starts on the scale its
// PyTorch-style initialisation assumes.
const (
	pixelMean = 0.1307
	pixelStd  = 0.3081
)

// predictRows bounds the rows pushed through the network at once outside
// training, so memory stays flat for any number of images: the patches of
// the second convolution alone take 200 KiB per image.
const predictRows = 250

// Config is the architecture, stored as the checkpoint's config.json.
type Config struct {
	Kernel int    `json:"kernel"` // side of both convolutions' windows
	Conv1  int    `json:"conv1"`  // filters of the first convolution
	Conv2  int    `json:"conv2"`  // filters of the second
	Hidden int    `json:"hidden"` // units of the fully connected layer
	Seed   uint64 `json:"seed"`   // seeds the initial weights
}

// DefaultConfig is the network of the package documentation.
func DefaultConfig() Config { return Config{Kernel: 5, Conv1: 32, Conv2: 64, Hidden: 256} }

// Validate reports a configuration whose layers do not fit a 28×28 image.
func (c Config) Validate() error {
	if c.Conv1 < 1 || c.Conv2 < 1 || c.Hidden < 1 {
		return fmt.Errorf("classify: conv1, conv2 and hidden must be positive, got %d, %d, %d", c.Conv1, c.Conv2, c.Hidden)
	}
	// Each convolution shrinks the side by kernel−1 and each pool halves it.
	if side := ((data.MNISTSide-c.Kernel+1)/2 - c.Kernel + 1) / 2; c.Kernel < 1 || side < 1 {
		return fmt.Errorf("classify: a kernel of %d does not fit two convolutions and pools in a %d-pixel side", c.Kernel, data.MNISTSide)
	}
	return nil
}

// Classifier is the network with the graph it runs in. It is not safe for
// concurrent use.
type Classifier struct {
	Config Config
	// Meta is carried by the checkpoint: Train's caller records the test
	// accuracy there ("test_accuracy").
	Meta map[string]string
	// Step counts training steps taken.
	Step int64

	conv1, conv2     *nn.Conv2D
	fc, out          *nn.Linear
	act1, act2, act3 *nn.PReLU
	graph            *autograd.Graph
}

// New returns a freshly initialised classifier.
func New(cfg Config) (*Classifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x636c617373696679))
	c := &Classifier{Config: cfg, Meta: map[string]string{}, graph: autograd.NewGraph()}
	k := cfg.Kernel
	c.conv1 = nn.NewConv2D("conv1", autograd.Image{H: data.MNISTSide, W: data.MNISTSide, C: 1}, autograd.Window{KH: k, KW: k}, cfg.Conv1, rng)
	c.conv2 = nn.NewConv2D("conv2", c.conv1.Out().Pooled(2), autograd.Window{KH: k, KW: k}, cfg.Conv2, rng)
	c.fc = nn.NewLinear("fc", c.conv2.Out().Pooled(2).Size(), cfg.Hidden, rng)
	c.out = nn.NewLinear("out", cfg.Hidden, Classes, rng)
	c.act1, c.act2, c.act3 = nn.NewPReLU("act1"), nn.NewPReLU("act2"), nn.NewPReLU("act3")
	return c, nil
}

// Logits maps a B×784 batch of pixel values in [0, 1] to B×10 logits.
func (c *Classifier) Logits(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	return c.out.Forward(g, c.features(g, x))
}

// features is the penultimate layer: the Hidden activations the logits
// are a linear map of.
func (c *Classifier) features(g *autograd.Graph, x *autograd.Node) *autograd.Node {
	h := g.AddConst(g.Scale(x, 1/pixelStd), -pixelMean/pixelStd)
	h = c.act1.Forward(g, g.MaxPool(c.conv1.Forward(g, h), c.conv1.Out(), 2))
	h = c.act2.Forward(g, g.MaxPool(c.conv2.Forward(g, h), c.conv2.Out(), 2))
	return c.act3.Forward(g, c.fc.Forward(g, h))
}

// Features returns the penultimate activations (N×Hidden) of the digits
// in the rows of x (N×784 pixel values in [0, 1]), or, for StackedMNIST
// images (N×2352, channel-major), those of the three channels side by
// side (N×3·Hidden): the space a classifier Fréchet distance compares
// samples in.
func (c *Classifier) Features(x *tensor.Dense) (*tensor.Dense, error) {
	channels := 1
	switch x.C {
	case data.MNISTPixels:
	case data.StackedMNISTDim:
		channels = data.StackedMNISTChannels
	default:
		return nil, fmt.Errorf("classify: images have %d values, want %d (28×28) or %d (3×28×28)", x.C, data.MNISTPixels, data.StackedMNISTDim)
	}
	digits := tensor.FromSlice(x.R*channels, data.MNISTPixels, x.Data)
	out := tensor.New(x.R, channels*c.Config.Hidden)
	g := c.graph
	defer g.Reset()
	for lo := 0; lo < digits.R; lo += predictRows {
		hi := min(digits.R, lo+predictRows)
		g.Reset()
		g.SetRecord(false)
		f := c.features(g, g.Const(tensor.FromSlice(hi-lo, digits.C, digits.Data[lo*digits.C:hi*digits.C]))).Value
		// Digit rows of Hidden values are the N×(channels·Hidden) rows.
		copy(out.Data[lo*c.Config.Hidden:hi*c.Config.Hidden], f.Data)
	}
	return out, nil
}

// Predict returns the most likely digit of each row of x (N×784 pixel
// values in [0, 1]).
func (c *Classifier) Predict(x *tensor.Dense) ([]int, error) {
	if x.C != data.MNISTPixels {
		return nil, fmt.Errorf("classify: images have %d values, want %d (28×28)", x.C, data.MNISTPixels)
	}
	out := make([]int, x.R)
	g := c.graph
	defer g.Reset()
	for lo := 0; lo < x.R; lo += predictRows {
		hi := min(x.R, lo+predictRows)
		g.Reset()
		g.SetRecord(false)
		logits := c.Logits(g, g.Const(tensor.FromSlice(hi-lo, x.C, x.Data[lo*x.C:hi*x.C]))).Value
		for i := range hi - lo {
			out[lo+i] = argmax(logits.Row(i))
		}
	}
	return out, nil
}

// argmax is the index of the largest value, the first one on ties; a NaN
// logit (a broken network) gives class 0 rather than a panic.
func argmax(v []tensor.Float) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Accuracy is the fraction of predictions equal to their labels (NaN for
// none).
func Accuracy(pred, labels []int) float64 {
	if len(pred) != len(labels) {
		panic(fmt.Sprintf("classify: %d predictions for %d labels", len(pred), len(labels)))
	}
	right := 0
	for i, p := range pred {
		if p == labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(pred))
}

// StackedLabels classifies each of the three channels of N×2352
// StackedMNIST images (channel-major rows, pixel values in [0, 1]) and
// returns the class 100·d₀ + 10·d₁ + d₂ of each image, the layout
// data.StackedMNIST gives its labels.
func (c *Classifier) StackedLabels(x *tensor.Dense) ([]int, error) {
	if x.C != data.StackedMNISTDim {
		return nil, fmt.Errorf("classify: StackedMNIST images have %d values, want %d (3×28×28)", x.C, data.StackedMNISTDim)
	}
	// Channel-major rows: the N×(3·784) matrix is the (3N)×784 matrix of
	// channels, image by image.
	digits, err := c.Predict(tensor.FromSlice(x.R*data.StackedMNISTChannels, data.MNISTPixels, x.Data))
	if err != nil {
		return nil, err
	}
	out := make([]int, x.R)
	for i := range out {
		for ch := range data.StackedMNISTChannels {
			out[i] = 10*out[i] + digits[i*data.StackedMNISTChannels+ch]
		}
	}
	return out, nil
}
