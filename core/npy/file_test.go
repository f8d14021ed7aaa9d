package npy

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.npy")
	a := makeArray(Float32, []int{4, 5})
	if err := WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sameArray(a, got); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	assertOnlyFiles(t, filepath.Dir(path), "w.npy")
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.npy")
	_, err := ReadFile(missing, ReadOptions{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist mentioning %s", err, missing)
	}

	bad := filepath.Join(dir, "bad.npy")
	if err := os.WriteFile(bad, []byte("not numpy"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(bad, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "not a .npy file") {
		t.Errorf("bad file: got %v, want an error naming %s", err, bad)
	}
}

func TestAtomicWriteFileFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := AtomicWriteFile(path, func(w io.Writer) error {
		// More than the write buffer, so part of it reaches the temp file.
		if _, err := w.Write(make([]byte, 1<<20)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want the write error mentioning the path", err)
	}
	assertContent(t, path, "old")
	assertOnlyFiles(t, dir, "x.npy")

	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		AtomicWriteFile(path, func(w io.Writer) error {
			w.Write([]byte("partial"))
			panic("crash mid-write")
		})
	}()
	assertContent(t, path, "old")
	assertOnlyFiles(t, dir, "x.npy")

	// A successful replacement keeps the mode of the file it replaces.
	if err := AtomicWriteFile(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "new")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "new")
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the old file's 0600", fi.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "x.npy")
}

func TestAtomicWriteFileBadDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.npy")
	err := AtomicWriteFile(path, func(io.Writer) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want fs.ErrNotExist mentioning %s", err, path)
	}
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("%s holds %v, want %v", dir, names, want)
	}
}
