package ddaebm

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// DefaultImageConfig returns the image setting of docs/IMAGES.md §3 for the
// named U-Net configuration (unet.Presets) and images of layout im,
// training on data: T = 4, β 0.1…20, γ 0.02, w_fake 1, entropy weight 0.1,
// the image floor max(log v_k, log v_1) in L2, Adam(0, 0.9) at lr 1e-4,
// batch 64, and weight averages of the generator and the energy with the
// preset's decay.
func DefaultImageConfig(data, preset string, im autograd.Image) (Config, error) {
	p, err := unet.PresetFor(preset, im)
	if err != nil {
		return Config{}, err
	}
	return Config{
		Data: data, Dim: im.Size(), Model: unet.Name, Net: &p.Settings,
		T: 4, BetaMin: 0.1, BetaMax: 20, Schedule: "vp",
		Gamma: 0.02, WFake: 1, WEnt: 0.1, LambdaW: 1, LambdaWMid: 1, PostVarFloorStep: 1,
		Ablation: Full, PenaltyAt: PenaltyAtReal, L2: L2Posterior,
		ZDim: p.ZDim, LR: 1e-4, Beta1: 0, Beta2: 0.9, Batch: 64, EMA: p.EMA, EnergyEMA: p.EMA,
	}, nil
}

// ImageData is an image training set in the models' layout: rows of
// pixel values in [0, 1], each an image of layout Image (H×W×C).
type ImageData struct {
	Train *tensor.Dense
	// Test is the held-out images of the built-in sets; nil for a file.
	Test  *tensor.Dense
	Image autograd.Image
	// Pad is the border added to every stored image (2 for 28×28 digits,
	// which the U-Nets see as 32×32); the classifier reads them cropped.
	Pad int
}

// mnistPad pads 28×28 images to the 32×32 the U-Nets and the encoder
// read, as DDGAN does (docs/IMAGES.md §1).
const mnistPad = 2

// LoadImageData reads the image set name: MNISTData (1×32×32),
// StackedMNISTData (3×32×32; 60000 training images drawn with seed, 10000
// test images with testSeed), or an N×C×H×W .npy file of uint8 pixels
// (0–255) or floats in [0, 1]. 28×28 images are zero-padded to 32×32.
// mnistDir is where the MNIST files are ("" for the default).
func LoadImageData(name, mnistDir string, seed, testSeed uint64) (*ImageData, error) {
	var train, test *tensor.Dense
	c, h, w := 1, 28, 28
	switch name {
	case MNISTData, StackedMNISTData:
		mn, err := data.LoadMNIST(mnistDir)
		if err != nil {
			return nil, err
		}
		train, test = mn.Train.X, mn.Test.X
		if name == StackedMNISTData {
			c = 3
			tr, err := data.StackedMNIST(mn.Train, mn.Train.X.R, rand.New(rand.NewPCG(seed, 3)))
			if err != nil {
				return nil, err
			}
			te, err := data.StackedMNIST(mn.Test, mn.Test.X.R, rand.New(rand.NewPCG(testSeed, 3)))
			if err != nil {
				return nil, err
			}
			train, test = tr.X, te.X
		}
	default:
		if !strings.HasSuffix(name, ".npy") {
			return nil, fmt.Errorf("image data %q is not %s, %s or a .npy file", name, MNISTData, StackedMNISTData)
		}
		d, err := data.ReadDataset(name)
		if err != nil {
			return nil, err
		}
		out, err := ImagesFromDataset(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return out, nil
	}
	return imageData(train, test, c, h, w)
}

// ImagesFromDataset takes the N×C×H×W images of d (uint8 pixels, which
// arrive divided by 255, or floats in [0, 1]) as LoadImageData takes a
// file.
func ImagesFromDataset(d *data.Dataset) (*ImageData, error) {
	if len(d.Shape) != 4 {
		return nil, fmt.Errorf("shape %v is not N×C×H×W images", d.Shape)
	}
	for i, v := range d.X.Data {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("value %v of image %d is not a pixel value in [0, 1] (give uint8 0–255, or floats in [0, 1])", v, i/d.X.C)
		}
	}
	return imageData(d.X, nil, d.Shape[1], d.Shape[2], d.Shape[3])
}

// imageData lays out channel-major C×H×W images as the models read them.
func imageData(train, test *tensor.Dense, c, h, w int) (*ImageData, error) {
	pad := 0
	if h == 28 && w == 28 {
		pad = mnistPad
	}
	out := &ImageData{Pad: pad}
	var err error
	if out.Train, out.Image, err = data.ToImageRows(train, c, h, w, pad, 0); err != nil {
		return nil, err
	}
	if test != nil {
		if out.Test, _, err = data.ToImageRows(test, c, h, w, pad, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ImageSource draws training images uniformly with replacement, in
// [−1, 1] (data.SignedSpace), each flipped left to right with
// probability ½ when Flip is set (natural images; docs/IMAGES.md §1).
type ImageSource struct {
	x     *tensor.Dense // signed rows
	image autograd.Image
	flip  bool
}

// NewImageSource serves the images of d.Train.
func NewImageSource(d *ImageData, flip bool) (*ImageSource, error) {
	if d.Train.R < 1 || d.Train.C != d.Image.Size() {
		return nil, fmt.Errorf("image set is %d×%d, want at least one row of %d values (%dx%dx%d)", d.Train.R, d.Train.C, d.Image.Size(), d.Image.H, d.Image.W, d.Image.C)
	}
	return &ImageSource{x: data.SignedSpace.FromPixels(d.Train, nil), image: d.Image, flip: flip}, nil
}

// Batch copies dst.R random images, flipping each with probability ½
// when the source flips.
func (s *ImageSource) Batch(dst *tensor.Dense, rng *rand.Rand) error {
	im := s.image
	for i := range dst.R {
		src, row := s.x.Row(rng.IntN(s.x.R)), dst.Row(i)
		if !s.flip || rng.IntN(2) == 0 {
			copy(row, src)
			continue
		}
		for y := range im.H {
			for x := range im.W {
				from, to := (y*im.W+x)*im.C, (y*im.W+im.W-1-x)*im.C
				copy(row[to:to+im.C], src[from:from+im.C])
			}
		}
	}
	return nil
}

// Dim is the number of values of an image.
func (s *ImageSource) Dim() int { return s.x.C }

// ImageLayout is the layout of an image model's rows; ok is false for
// models of other data.
func (m *Model) ImageLayout() (im autograd.Image, ok bool) {
	s, ok := m.Config.Net.(*unet.Settings)
	if !ok {
		return autograd.Image{}, false
	}
	return s.Image, true
}

// ImagePixels maps rows of an image model (samples, in [−1, 1]) to
// channel-major pixel values in [0, 1] of side side, cropping the border
// that padding added (32×32 samples to the 28×28 a digit classifier
// reads).
func (m *Model) ImagePixels(x *tensor.Dense, side int) (*tensor.Dense, error) {
	im, ok := m.ImageLayout()
	if !ok {
		return nil, fmt.Errorf("a %q model does not make images", m.Config.Model)
	}
	crop := (im.H - side) / 2
	if im.H != im.W || crop < 0 || im.H-2*crop != side {
		return nil, fmt.Errorf("the model's %dx%d images do not crop evenly to %d×%d", im.H, im.W, side, side)
	}
	return data.FromImageRows(data.SignedSpace.ToPixels(x), im, crop)
}

// StackedMNISTModel reports why the model cannot have its StackedMNIST
// modes counted, or nil: it must make 2352-dimensional rows (train mnist
// -data stackedmnist) or 3-channel images (train image).
func (m *Model) StackedMNISTModel() error {
	if im, ok := m.ImageLayout(); ok {
		if im.C != 3 {
			return fmt.Errorf("mode counting needs a model of 3-channel StackedMNIST images; this one makes %dx%dx%d images", im.H, im.W, im.C)
		}
		return nil
	}
	if m.Config.Dim != data.StackedMNISTDim {
		return fmt.Errorf("mode counting needs a model of %d-dimensional StackedMNIST images; this one has dimension %d", data.StackedMNISTDim, m.Config.Dim)
	}
	return nil
}

// StackedMNISTPixels is DigitPixels for a model StackedMNISTModel accepts.
func (m *Model) StackedMNISTPixels(samples *tensor.Dense, space data.Space) (*tensor.Dense, error) {
	if err := m.StackedMNISTModel(); err != nil {
		return nil, err
	}
	return m.DigitPixels(samples, space)
}

// DigitPixels maps the model's samples to what the digit classifier
// reads: channel-major C×28×28 pixel values in [0, 1] (C = 1 for MNIST, 3
// for StackedMNIST). An image model's 32×32 samples in [−1, 1] are
// cropped; other models' rows (784 or 2352 values) are mapped from space
// (the model's own, or another a caller chooses).
func (m *Model) DigitPixels(samples *tensor.Dense, space data.Space) (*tensor.Dense, error) {
	if _, ok := m.ImageLayout(); ok {
		return m.ImagePixels(samples, data.MNISTSide)
	}
	if d := m.Config.Dim; d != data.MNISTPixels && d != data.StackedMNISTDim {
		return nil, fmt.Errorf("the classifier reads 28×28 digits (%d or %d values); this model has dimension %d", data.MNISTPixels, data.StackedMNISTDim, d)
	}
	return space.ToPixels(samples), nil
}
