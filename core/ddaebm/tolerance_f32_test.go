//go:build !f64

package ddaebm

// In float32 the finite-difference step must be large enough to rise above
// rounding (≈1e-7 relative), which limits the achievable agreement to
// about 1e-2; the f64 build checks the same derivatives to 1e-6.
const (
	fdStep = 1e-2
	fdTol  = 2e-2
)

// float64Build is true in the -tags f64 build, whose job is exact
// numerics; training-dynamics tests run in the float32 build that trains.
const float64Build = false
