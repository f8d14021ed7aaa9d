//go:build !f64

package nn

// See core/autograd: float32 finite differences agree to about 1e-2; the
// f64 build checks to 1e-6.
const (
	fdStep = 1e-2
	fdTol  = 2e-2
)
