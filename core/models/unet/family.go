package unet

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models"
)

func init() { models.Register(Name, family{}) }

// Name is the family's name in a configuration.
const Name = "unet"

// family builds the image networks from a *Settings in Spec.Net; Spec.Dim
// must be the image size and Spec.ZDim is the latent dimension nz.
type family struct{}

func settings(s models.Spec) (*Settings, error) {
	st, ok := s.Net.(*Settings)
	if !ok || st == nil {
		return nil, fmt.Errorf("%s needs its settings (net), got %T", Name, s.Net)
	}
	return st, nil
}

func (family) Check(s models.Spec) error {
	st, err := settings(s)
	if err != nil {
		return err
	}
	if err := st.check(s.ZDim); err != nil {
		return err
	}
	if s.Dim != st.Image.Size() {
		return fmt.Errorf("%s: dim %d is not the size of a %dx%dx%d image (%d)", Name, s.Dim, st.Image.H, st.Image.W, st.Image.C, st.Image.Size())
	}
	return nil
}

func (family) Build(s models.Spec, rng *rand.Rand) (models.Energy, models.Generator, models.Encoder) {
	st, _ := settings(s)
	b := newBuilder(rng)
	return &Energy{newUNet(b, "energy", *st, s.T, 0)},
		&Generator{newUNet(b, "generator", *st, s.T, s.ZDim)},
		newEncoder(b, *st, s.T, s.ZDim)
}

func (family) Sizes(s models.Spec) (energy, generator, encoder models.Size) {
	st, _ := settings(s)
	sizeOf := func(build func(b *builder)) models.Size {
		b := newBuilder(nil)
		build(b)
		// The builder counts the output of every operation (norms,
		// activations, sums; not the convolutions' scratch patches).
		// models.Size's Width counts layer outputs, each of which the
		// fully connected families' graphs hold a few values for, and
		// the memory bounds are calibrated in that unit: a third of the
		// count is the same unit with a margin (TestStepMemoryEstimate
		// measures it).
		b.size.Width /= 3
		return b.size
	}
	return sizeOf(func(b *builder) { newUNet(b, "energy", *st, s.T, 0) }),
		sizeOf(func(b *builder) { newUNet(b, "generator", *st, s.T, s.ZDim) }),
		sizeOf(func(b *builder) { newEncoder(b, *st, s.T, s.ZDim) })
}

func (family) Describe(s models.Spec) string {
	st, _ := settings(s)
	return fmt.Sprintf("%dx%dx%d images, nf %d, ch_mult %v, %d res blocks, attention at %v, %s resampling",
		st.Image.H, st.Image.W, st.Image.C, st.NF, st.ChMult, st.ResBlocks, st.AttnRes, st.Resample)
}

// Traits: images in [−1, 1] (docs/IMAGES.md §1).
func (family) Traits() models.Traits { return models.Traits{Space: data.SignedSpace} }

func (family) NewSettings() any { return new(Settings) }
