//go:build f64

package ddaebm

const (
	fdStep = 1e-6
	fdTol  = 1e-6
)

// float64Build is true in the -tags f64 build, whose job is exact
// numerics; training-dynamics tests run in the float32 build that trains.
const float64Build = true
