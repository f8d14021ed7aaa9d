// Package data generates the project's training data.
//
// The 2-D toy sets are drawn from a caller-supplied math/rand/v2 generator so
// that a run is reproducible from its seed. 25gaussians, pinwheel and
// swissroll follow sample_toy in shared/bench/torch_toy_step.py constant for
// constant, so losses and metrics are comparable with the PyTorch peer;
// 8gaussians, checkerboard and rings follow FFJORD's toy definitions. Where
// a set is a Gaussian mixture (25gaussians, 8gaussians) its log-density is
// available in closed form, which the evaluation needs for KL(p_data ‖ p̂).
package data
