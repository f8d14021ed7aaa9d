// Package autograd is a reverse-mode automatic differentiation engine over
// tensor.Dense matrices whose gradients can themselves be differentiated.
//
// A Graph records the operations of one step. Every operation's backward
// rule is written with the same recorded operations, so Grad with
// createGraph=true returns gradient nodes that a later Backward can
// differentiate again: the gradient penalty of the DDAEBM energy,
// γ/2·‖∇ₓE(x)‖², needs exactly that (double backpropagation). With
// createGraph=false the same rules run without recording, which is the
// cheap path every ordinary step takes.
//
// All per-step values live in the Graph's arena and are invalid after
// Reset; parameters (NewParam) live outside it and keep their accumulated
// gradient in Param.Grad.
package autograd

// Images
//
// A batch of B images is a B×(H·W·C) matrix: one image per row, pixel by
// pixel, the C channels of a pixel together (NHWC, described by Image).
// In that layout a convolution is an im2col gather (Patches, for any
// Window: kernel, stride, zero padding) and one matrix product for every
// position of every image; Conv, ConvTranspose and ConvWeights do so as
// single operations whose patches live only in scratch memory, so that a
// graph differentiated twice does not keep patch matrices nine times the
// size of their images; a per-channel operation (bias, the affine part
// of a norm, a time embedding added at every pixel: PerChannel) is a row
// operation on the (B·H·W)×C view of the same memory; and attention over
// an image's positions is a BatchMatMul of its H·W×C blocks. Fixed linear
// maps of pixels — pooling, upsampling, the FIR filters of NCSN++
// (Resampler), and group statistics (Groups) — are ColMaps: one sparse
// map whose backward is its transpose. .npy files in N×H×W×C order are
// this layout as they are; N×C×H×W files need one permutation per image.
//
// Operations a backend cannot run say so by name (MaxPool computes on the
// host, and a graph on a device refuses it); every other operation runs on
// the CPU and the CUDA backend alike.
