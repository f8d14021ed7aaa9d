// Package nn provides the layers the DDAEBM networks are built from —
// Linear, PReLU, BatchNorm and the sinusoidal timestep embedding — each a
// thin wrapper that owns named parameters and composes autograd
// operations, so every layer inherits exact higher-order gradients.
//
// Parameter names are slash-separated paths ("energy/trunk.0/W"); they are
// the keys of checkpoints.
package nn
