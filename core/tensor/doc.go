// Package tensor holds dense row-major matrices of Float and the CPU kernels
// that work on them (matrix multiply above all).
//
// Every network in the project works on (batch × features) matrices, so a
// Dense is two-dimensional. Float is float32; building with the f64 tag
// makes it float64, which the gradient checks use to compare analytic and
// finite-difference derivatives at tight tolerances.
//
// An Arena hands out matrices from reusable slabs: a training step draws all
// of its temporaries from one and resets it at the end, so steady-state
// training allocates almost nothing.
package tensor
