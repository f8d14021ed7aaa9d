package unet_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/nn"
)

// The XS configuration for StackedMNIST's 3×32×32 images, built through
// the registry as the algorithm builds it.
func ExamplePresetFor() {
	im := autograd.Image{H: 32, W: 32, C: 3}
	p, err := unet.PresetFor("xs", im)
	if err != nil {
		panic(err)
	}
	family, _ := models.Lookup(unet.Name)
	energy, generator, encoder := family.Build(models.Spec{Dim: im.Size(), ZDim: p.ZDim, T: 4, Net: &p.Settings}, rand.New(rand.NewPCG(1, 2)))
	for _, net := range []struct {
		name string
		net  any
	}{{"energy", energy}, {"generator", generator}, {"encoder", encoder}} {
		n := 0
		for _, w := range nn.Params(net.net) {
			n += w.Value.Len()
		}
		fmt.Printf("%-9s %d parameters\n", net.name, n)
	}
	fmt.Println("latent", p.ZDim, "resampling", p.Settings.Resample, "weight average", p.EMA)
	// Output:
	// energy    317699 parameters
	// generator 453059 parameters
	// encoder   327952 parameters
	// latent 32 resampling mean weight average 0.999
}
