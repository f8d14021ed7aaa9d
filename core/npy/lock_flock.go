//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package npy

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, held until f is closed or its
// process ends.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

// tryLockFile takes the lock of lockFile if no one holds it, without
// waiting.
func tryLockFile(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// tempLocks reports whether temporary files are locked while written.
const tempLocks = true
