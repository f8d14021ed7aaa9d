//go:build f64

package autograd

// FDStep and FDTol are the step and tolerance for CheckGrad and
// CheckGradOfGrad in the float64 build (see fdtolerance_f32.go).
const (
	FDStep = 1e-6
	FDTol  = 1e-6
)
