//go:build f64

package tensor

// Float is the element type of every tensor.
type Float = float64

// Is64 reports whether Float is float64 (the f64 build tag).
const Is64 = true
