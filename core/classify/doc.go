// Package classify is the project's MNIST digit classifier: a small
// convolutional network trained in Go, which labels generated digits for
// the StackedMNIST mode count (docs/ALGORITHM.md §8) and supplies the
// features FID-like scores on MNIST-family data would use.
//
// The network is conv 5×5 (32 filters) → max-pool 2 → PReLU → conv 5×5
// (64) → max-pool 2 → PReLU → fully connected 256 → PReLU → 10 logits,
// on 28×28 pixel values in [0, 1]. Pooling comes before the activation:
// for a non-decreasing activation the two orders give the same result,
// and pooling first applies the activation to a quarter of the values. It
// is saved with core/checkpoint (config.json holds the architecture, one
// array per parameter, meta the test accuracy).
package classify
