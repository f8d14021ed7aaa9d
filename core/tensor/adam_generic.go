//go:build !amd64 || f64

package tensor

// adamVectors reports that this build has no vectorised Adam.
func adamVectors(w, g, m, v []Float, consts *[7]Float) bool { return false }
