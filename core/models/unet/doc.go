// Package unet is the "unet" network family of the paper's image
// experiments (docs/IMAGES.md; docs/ALGORITHM.md §9): the energy
// E(x, k) = −½‖x − U(x, k)‖² with U the NCSN++ U-Net (FIR resampling and
// an input pyramid) or its DDPM++ variant (mean-pool and nearest
// resampling), the generator x̂0 = tanh(U(x_{k+1}, k; z)) with the same
// U-Net conditioned on z through a mapping network and adaptive group
// norm, and the convolutional encoder of Table 8.
//
// Images are rows in the autograd.Image layout (H×W×C, the channels of a
// pixel together) with values in [−1, 1]. The sizes are a Settings value,
// the family's own configuration; PresetFor gives the configurations of
// docs/IMAGES.md §2.3. Importing the package registers the family with
// core/models.
package unet
