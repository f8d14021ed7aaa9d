package main

import (
	"fmt"
	"slices"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// spaceAuto is the -space value that takes the model family's own space
// (the mnist-nice family works in logit space, the MNIST protocol of
// docs/ALGORITHM.md §7; the toy family in pixel values).
const spaceAuto = "auto"

var spaceUsage = fmt.Sprintf("coordinates the model works in, which the image evaluations map pixel values in [0, 1] to and from: %s, or %s (the model family's own)", data.Spaces, spaceAuto)

// modelSpace resolves a -space flag for model m.
func modelSpace(flag string, m *ddaebm.Model) (data.Space, error) {
	if flag == spaceAuto {
		return m.Traits().Space, nil
	}
	if s := data.Space(flag); slices.Contains(data.Spaces, s) {
		return s, nil
	}
	return "", cli.Usagef("-space %q is not known (want %s or one of %v)", flag, spaceAuto, data.Spaces)
}
