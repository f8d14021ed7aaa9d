package npy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ReadFile reads the .npy file at path. Errors mention the path and wrap the
// underlying os error, so errors.Is(err, fs.ErrNotExist) works.
func ReadFile(path string, opt ReadOptions) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	a, err := read(f, opt)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return a, nil
}

// WriteFile writes a to path atomically (see AtomicWriteFile).
func WriteFile(path string, a *Array) error {
	return AtomicWriteFile(path, func(w io.Writer) error { return Write(w, a) })
}

// AtomicWriteFile replaces the file at path with what write produces, such
// that path holds either its old content or the complete new content, even
// if write fails, the process dies or the machine loses power midway. It
// writes to a temporary file in the same directory (rename is only atomic
// within one file system), syncs it, renames it over path and syncs the
// directory so that the rename itself is durable. On failure the temporary
// file is removed and path is untouched.
//
// The writer passed to write is buffered; write need not buffer itself.
// The new file gets mode 0644, or the mode of the file it replaces.
func AtomicWriteFile(path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	// Deferred, and keyed on reaching the rename rather than on an error
	// value, so that a panicking write also leaves no temporary file.
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; without this a saved checkpoint would
	// be unreadable to other users, unlike a file made by os.Create.
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

// tempPrefix starts the name of every temporary file AtomicWriteFile
// writes for base; digits follow it. The leading dot keeps half-written
// files out of globs like *.npz.
func tempPrefix(base string) string { return "." + base + ".tmp" }

// createTemp creates a temporary file for base in dir and holds a lock on it
// until it is closed: the lock is how RemoveStaleTemps tells a file that a
// live process is writing from one whose writer died (the kernel releases
// the lock with the process, kill -9 included).
func createTemp(dir, base string) (*os.File, error) {
	for {
		f, err := os.CreateTemp(dir, tempPrefix(base)+"*")
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
		// RemoveStaleTemps may have locked and removed the file between
		// its creation and our lock: then start again with a new one.
		opened, errOpened := f.Stat()
		named, errNamed := os.Stat(f.Name())
		if errOpened == nil && errNamed == nil && os.SameFile(opened, named) {
			return f, nil
		}
		f.Close()
		if errOpened != nil {
			return nil, errOpened
		}
	}
}

// RemoveStaleTemps removes the temporary files that AtomicWriteFile(path)
// left in path's directory when its process died in the middle of writing
// (a checkpoint write cut by kill -9 leaves one each time). It touches only
// the files named for path, and only those no live process is writing: a
// writer holds a lock on its file for as long as it writes. It returns the
// names it removed. Where the platform offers no such lock, it removes
// nothing.
func RemoveStaleTemps(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("remove stale temporary files of %s: %w", path, err)
	}
	prefix := tempPrefix(base)
	var removed []string
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		f, err := os.Open(name)
		if err != nil {
			continue // gone already: its writer renamed or removed it
		}
		if tryLockFile(f) {
			if err := os.Remove(name); err == nil {
				removed = append(removed, name)
			}
		}
		f.Close()
	}
	return removed, nil
}

func syncDir(dir string) error {
	// Windows cannot open a directory for syncing, and its renames do not
	// need it.
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
