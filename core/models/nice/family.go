package nice

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models"
)

func init() { models.Register(Name, family{}) }

// Name is the family's name in a configuration.
const Name = "mnist-nice"

// family builds the NICE_t energy and the Table-7 generator and encoder.
// It reads Spec.Hidden as the width of the NICE shift networks and
// Spec.GenHidden as the base width w of the generator and encoder.
type family struct{}

func (family) Check(s models.Spec) error {
	if s.Hidden < 1 || s.GenHidden < 1 || s.Dim < 2 {
		return fmt.Errorf("%s needs hidden ≥ 1, gen-hidden ≥ 1 and dim ≥ 2, got %d, %d and %d", Name, s.Hidden, s.GenHidden, s.Dim)
	}
	return nil
}

func (family) Build(s models.Spec, rng *rand.Rand) (models.Energy, models.Generator, models.Encoder) {
	return NewEnergy(s.Dim, s.Hidden, s.T, rng),
		NewGenerator(s.Dim, s.ZDim, s.GenHidden, s.T, rng),
		NewEncoder(s.Dim, s.ZDim, s.GenHidden, s.T, rng)
}

func (family) Sizes(s models.Spec) (energy, generator, encoder models.Size) {
	w := s.GenHidden
	return energySize(s.Dim, s.Hidden, s.T),
		mnistNetSize(s.Dim+s.ZDim, w, w, 2*w, w, s.Dim, s.T),
		mnistNetSize(2*s.Dim, 2*w, w, w, w, 2*s.ZDim, s.T)
}

func (family) Describe(s models.Spec) string {
	return fmt.Sprintf("hidden %d, gen-hidden %d", s.Hidden, s.GenHidden)
}

// Traits: the MNIST protocol (docs/ALGORITHM.md §7) models logit(dequantised
// pixels), and the energy is a normalised density.
func (family) Traits() models.Traits {
	return models.Traits{Space: data.LogitSpace, Density: true}
}

func (family) NewSettings() any { return nil }
