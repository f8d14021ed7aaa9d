package npy

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

// A write cut by kill -9 leaves its temporary file behind; RemoveStaleTemps
// removes those of the target it is given, and never one that a live
// writer holds.
func TestRemoveStaleTemps(t *testing.T) {
	if !tempLocks {
		t.Skip("no file locks on this platform: RemoveStaleTemps removes nothing")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "checkpoint.npz")
	for _, name := range []string{"checkpoint.npz", ".checkpoint.npz.tmp1234", ".checkpoint.npz.tmp99",
		".checkpoint.npz.tmpabc", ".checkpoint.npz.tmp", ".other.npz.tmp1234", "checkpoint.npz.tmp77"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A write in progress: createTemp holds the lock until the file is closed.
	live, err := createTemp(dir, "checkpoint.npz")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	removed, err := RemoveStaleTemps(target)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, ".checkpoint.npz.tmp1234"), filepath.Join(dir, ".checkpoint.npz.tmp99")}
	if strings.Join(removed, " ") != strings.Join(want, " ") {
		t.Errorf("removed %v, want %v", removed, want)
	}
	kept := []string{"checkpoint.npz", ".checkpoint.npz.tmpabc", ".checkpoint.npz.tmp", ".other.npz.tmp1234",
		"checkpoint.npz.tmp77", filepath.Base(live.Name())}
	slices.Sort(kept)
	assertOnlyFiles(t, dir, kept...)

	// Once its writer is gone, the same file is stale.
	live.Close()
	if removed, err := RemoveStaleTemps(target); err != nil || len(removed) != 1 || removed[0] != live.Name() {
		t.Errorf("after the writer closed its file: removed %v, %v; want %s", removed, err, live.Name())
	}
}
