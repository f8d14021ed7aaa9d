// Package metrics computes the evaluation numbers of docs/ALGORITHM.md
// §8: grid-normalised density NLL and KL on 2-D data, kernel MMD between
// sample sets, mode coverage on 25-Gaussians, mode counting over classifier
// labels (StackedMNIST) and AUROC for out-of-distribution detection.
//
// Everything is float64 and knows nothing about models: a model enters only
// as an EnergyFunc, so the same code scores a trained network, a closed-form
// density or a test fixture. Point sets are flat row-major slices (n×dim,
// dim = 2 for the density and mode metrics), the layout a tensor's data or a
// numpy array already has. Malformed arguments (a slice whose length is not a
// multiple of the dimension, a non-positive grid size or bandwidth) are
// programming errors and panic; empty inputs give NaN where a mean or ratio
// is undefined.
package metrics
