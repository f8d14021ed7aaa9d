//go:build f64

package nn

const (
	fdStep = 1e-6
	fdTol  = 1e-6
)
