// Package diffusion implements the discretised variance-preserving
// diffusion of DDAEBM (docs/ALGORITHM.md §2): the noise schedule, training
// pairs (x_k, x_{k+1}), the Gaussian posterior q(x_k | x_{k+1}, x_0) used
// by the generator's denoising step, and exact log-densities.
//
// Coefficients are computed in float64 once; per-example coefficients are
// gathered into B×1 columns because every example of a batch carries its
// own step k.
package diffusion
