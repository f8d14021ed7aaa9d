package main

import (
	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The coordinates an image model works in, which the image evaluations
// (ood, modes) translate to and from pixel values in [0, 1].
const (
	spaceAuto  = "auto"
	spacePixel = "pixel" // pixel values in [0, 1]
	spaceLogit = "logit" // logit of dequantised pixel values (§7's MNIST protocol)
)

const spaceUsage = "coordinates the model works in: pixel ([0, 1]), logit (of dequantised pixels) or auto (logit for the mnist-nice family, else pixel)"

// modelSpace resolves a -space flag: auto means logit for the mnist-nice
// family, whose training data the MNIST protocol (docs/ALGORITHM.md §7)
// dequantises and maps through the logit, and pixel values otherwise.
func modelSpace(flag string, cfg ddaebm.Config) (string, error) {
	switch flag {
	case spacePixel, spaceLogit:
		return flag, nil
	case spaceAuto:
		if cfg.Model == "mnist-nice" {
			return spaceLogit, nil
		}
		return spacePixel, nil
	}
	return "", cli.Usagef("-space %q is not known (want auto, pixel or logit)", flag)
}

// toPixels maps model-space points to pixel values in [0, 1]
// (data.ToPixels).
func toPixels(x *tensor.Dense, space string) *tensor.Dense {
	return data.ToPixels(x, space == spaceLogit)
}
