//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package npy

import "os"

// lockFile does nothing where flock is not available.
func lockFile(*os.File) error { return nil }

// tryLockFile cannot tell whether another process writes f: it fails, so
// RemoveStaleTemps keeps f.
func tryLockFile(*os.File) bool { return false }

// tempLocks reports whether temporary files are locked while written.
const tempLocks = false
