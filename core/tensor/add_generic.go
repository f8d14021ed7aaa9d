//go:build !amd64 || f64

package tensor

var addTo = addToGo
