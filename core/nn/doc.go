// Package nn provides the layers the DDAEBM networks are built from —
// Linear, Conv2D, PReLU, BatchNorm, GroupNorm and the sinusoidal timestep
// embedding — each a thin wrapper that owns named parameters and composes
// autograd operations, so every layer inherits exact higher-order
// gradients.
//
// A network's parameters, buffers (batch-norm statistics) and constants
// are found by walking it (Params, Buffers, Constants): a layer held in a
// field is part of training, checkpoints and device moves without being
// listed anywhere.
//
// Parameter names are slash-separated paths ("energy/trunk.0/W"); they are
// the keys of checkpoints.
package nn
