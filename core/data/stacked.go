package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// StackedMNIST geometry: three MNIST digits as the channels of one image.
const (
	StackedMNISTChannels = 3
	StackedMNISTDim      = StackedMNISTChannels * MNISTPixels
	// StackedMNISTClasses is the number of modes, one per digit triple.
	StackedMNISTClasses = 1000
)

// StackedMNIST draws n StackedMNIST examples from src (normally the MNIST
// training set): each takes three digits chosen independently and uniformly
// from src, in channel order, with rng.IntN(len) each, so a seed fixes the
// set. Rows of the result are channel-major (all 784 pixels of channel 0,
// then channel 1, then 2) and the label of digits d1, d2, d3 in channels
// 0, 1, 2 is 100·d1 + 10·d2 + d3, one of the 1000 modes that mode counting
// looks for.
func StackedMNIST(src Images, n int, rng *rand.Rand) (Images, error) {
	if src.X == nil || src.X.C != MNISTPixels {
		return Images{}, fmt.Errorf("data: StackedMNIST needs %d-pixel MNIST images, got %v", MNISTPixels, src.X)
	}
	if src.X.R == 0 || len(src.Labels) != src.X.R {
		return Images{}, fmt.Errorf("data: StackedMNIST needs a non-empty source with one label per image, got %d images and %d labels", src.X.R, len(src.Labels))
	}
	if n < 0 {
		return Images{}, fmt.Errorf("data: StackedMNIST: negative example count %d", n)
	}
	out := Images{X: tensor.New(n, StackedMNISTDim), Labels: make([]int, n)}
	for i := range n {
		row := out.X.Row(i)
		label := 0
		for c := range StackedMNISTChannels {
			j := rng.IntN(src.X.R)
			d := src.Labels[j]
			if d < 0 || d > 9 {
				return Images{}, fmt.Errorf("data: StackedMNIST: source label %d of image %d is not a digit 0–9", d, j)
			}
			copy(row[c*MNISTPixels:(c+1)*MNISTPixels], src.X.Row(j))
			label = 10*label + d
		}
		out.Labels[i] = label
	}
	return out, nil
}
