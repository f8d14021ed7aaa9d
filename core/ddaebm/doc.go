// Package ddaebm is the Denoising Diffusion Adversarial Energy-Based Model
// (Geng et al., ICML 2024) as docs/ALGORITHM.md specifies it: the max step
// (energy with the gradient penalty on the conditional energy) and the min
// step (generator and encoder), the training loop with checkpoints,
// sampling with NFE = T, and energy scoring. The networks come from the
// family Config.Model names (core/models and its sub-packages).
//
// A Model owns its networks, optimisers and random state; everything a
// run needs to continue lives in its checkpoint.
package ddaebm
