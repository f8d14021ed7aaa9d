//go:build !f64

package autograd

// FDStep and FDTol are the step and tolerance for CheckGrad and
// CheckGradOfGrad in this build. In float32 the step must be large enough
// to rise above rounding (≈1e-7 relative), which limits the achievable
// agreement to about 1e-2; the f64 build checks the same derivatives to
// 1e-6.
const (
	FDStep = 1e-2
	FDTol  = 2e-2
)
