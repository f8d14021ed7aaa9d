package npy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
	// The leading dot keeps half-written files out of globs like *.npz.
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
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
