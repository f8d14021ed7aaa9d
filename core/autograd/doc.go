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
