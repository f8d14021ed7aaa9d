package ddaebm

import (
	"github.com/ddaebm/ddaebm/core/models"

	// The network families a configuration may name (Config.Model): each
	// registers itself with core/models.
	_ "github.com/ddaebm/ddaebm/core/models/nice"
	_ "github.com/ddaebm/ddaebm/core/models/toy"
	_ "github.com/ddaebm/ddaebm/core/models/unet"
)

// family returns the network family c.Model names.
func (c *Config) family() (models.Family, error) { return models.Lookup(c.Model) }

// spec is the part of c the family builds its networks from.
func (c *Config) spec() models.Spec {
	return models.Spec{Dim: c.Dim, ZDim: c.ZDim, T: c.T, Hidden: c.Hidden, GenHidden: c.GenHidden, Net: c.Net}
}

// networkSizes returns the sizes of the energy, generator and encoder
// of c, whose family is known (validated).
func networkSizes(c *Config) (energy, generator, encoder models.Size) {
	f, _ := c.family()
	return f.Sizes(c.spec())
}

// Traits is what the model's family declares of itself: the space its
// data are modelled in, whether its energy is a normalised density.
func (m *Model) Traits() models.Traits {
	f, _ := m.Config.family()
	return f.Traits()
}
