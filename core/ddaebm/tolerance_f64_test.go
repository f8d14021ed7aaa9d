//go:build f64

package ddaebm

const (
	fdStep = 1e-6
	fdTol  = 1e-6
)
