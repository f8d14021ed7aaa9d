//go:build !amd64 || f64

package tensor

var addVec, subVec, mulVec = addGo, subGo, mulGo
