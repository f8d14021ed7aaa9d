//go:build f64

package ddaebm

// float64Build is true in the -tags f64 build, whose job is exact
// numerics; training-dynamics tests run in the float32 build that trains.
const float64Build = true
