package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// writeNpy writes a with npy.Write; not npy.WriteFile, whose fsyncs make
// many small files slow.
func writeNpy(t testing.TB, a *npy.Array) string {
	t.Helper()
	var b bytes.Buffer
	if err := npy.Write(&b, a); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "d.npy")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadDataset(t *testing.T) {
	tests := []struct {
		name  string
		a     *npy.Array
		rows  int
		cols  int
		want  []float64 // the first few values of X
		feat7 float64   // X.At(0, 7) when there are that many columns
	}{
		{"float32 N×D", &npy.Array{Shape: []int{2, 3}, Dtype: npy.Float32, F32: []float32{1, -2, 3.5, 4, 5, 6}}, 2, 3, []float64{1, -2, 3.5, 4}, 0},
		{"float64 N×D", &npy.Array{Shape: []int{3, 1}, Dtype: npy.Float64, F64: []float64{0.25, -1e10, 7}}, 3, 1, []float64{0.25, -1e10, 7}, 0},
		{"uint8 scaled", &npy.Array{Shape: []int{1, 3}, Dtype: npy.Uint8, U8: []uint8{0, 51, 255}}, 1, 3, []float64{0, 0.2, 1}, 0},
		{"uint8 N×C×H×W", &npy.Array{Shape: []int{2, 3, 2, 2}, Dtype: npy.Uint8, U8: seq(24)}, 2, 12, []float64{0, 1.0 / 255, 2.0 / 255}, 7.0 / 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadDataset(writeNpy(t, tt.a))
			if err != nil {
				t.Fatal(err)
			}
			if d.X.R != tt.rows || d.X.C != tt.cols || d.Dtype != tt.a.Dtype || formatShape(d.Shape) != formatShape(tt.a.Shape) {
				t.Fatalf("got %v, shape %v, dtype %s; want %d×%d, shape %v, dtype %s", d.X, d.Shape, d.Dtype, tt.rows, tt.cols, tt.a.Shape, tt.a.Dtype)
			}
			for i, w := range tt.want {
				if math.Abs(float64(d.X.Data[i])-w) > 1e-6*max(1, math.Abs(w)) {
					t.Errorf("X[%d] = %g, want %g", i, d.X.Data[i], w)
				}
			}
			if tt.cols > 7 && math.Abs(float64(d.X.At(0, 7))-tt.feat7) > 1e-7 {
				t.Errorf("X[0, 7] = %g, want %g (C order: channel, row, column)", d.X.At(0, 7), tt.feat7)
			}
		})
	}
}

func seq(n int) []uint8 {
	out := make([]uint8, n)
	for i := range out {
		out[i] = uint8(i)
	}
	return out
}

func TestReadDatasetRejects(t *testing.T) {
	nan, inf := float32(math.NaN()), math.Inf(-1)
	tests := []struct {
		name string
		a    *npy.Array
		want []string
	}{
		{"int64", &npy.Array{Shape: []int{1, 2}, Dtype: npy.Int64, I64: []int64{1, 2}}, []string{"dtype int64 is not accepted for data sets", "want float32 or float64", "uint8 8-bit pixels, divided by 255", "x.astype(np.float32)", "x / 255"}},
		{"rank 1", &npy.Array{Shape: []int{3}, Dtype: npy.Float32, F32: make([]float32, 3)}, []string{"shape (3,) has rank 1", "want N×D (rank 2) or N×C×H×W (rank 4)"}},
		{"rank 3", &npy.Array{Shape: []int{1, 2, 2}, Dtype: npy.Uint8, U8: make([]uint8, 4)}, []string{"shape (1, 2, 2) has rank 3"}},
		{"rank 0", &npy.Array{Shape: []int{}, Dtype: npy.Float64, F64: []float64{1}}, []string{"shape () has rank 0"}},
		{"no examples", &npy.Array{Shape: []int{0, 2}, Dtype: npy.Float32}, []string{"shape (0, 2) holds no examples", "N ≥ 1"}},
		{"no features", &npy.Array{Shape: []int{2, 3, 0, 1}, Dtype: npy.Float32}, []string{"shape (2, 3, 0, 1) has an empty dimension"}},
		{"NaN", &npy.Array{Shape: []int{2, 2}, Dtype: npy.Float32, F32: []float32{0, 1, 2, nan}}, []string{"non-finite value NaN at example 1, feature 1"}},
		{"Inf in image", &npy.Array{Shape: []int{2, 1, 2, 3}, Dtype: npy.Float64, F64: []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, inf, 0}}, []string{"non-finite value -Inf at example 1, feature 4 (index (1, 0, 1, 1))"}},
	}
	if !tensor.Is64 {
		tests = append(tests, struct {
			name string
			a    *npy.Array
			want []string
		}{"beyond float32", &npy.Array{Shape: []int{1, 2}, Dtype: npy.Float64, F64: []float64{1, 1e300}}, []string{"value 1e+300 at example 0, feature 1 is outside the range of float32"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeNpy(t, tt.a)
			_, err := ReadDataset(p)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range append(tt.want, p) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// ReadDataset reports the file's SHA-256; WriteDataset saves what training
// sees so that reading it back gives the same values bit for bit, reports
// the same hash, and leaves a file with that very content alone.
func TestWriteDatasetRoundTrip(t *testing.T) {
	src := writeNpy(t, &npy.Array{Shape: []int{2, 1, 2, 2}, Dtype: npy.Uint8, U8: seq(8)})
	d, err := ReadDataset(src)
	if err != nil {
		t.Fatal(err)
	}
	raw := must(os.ReadFile(src))
	if sum := sha256.Sum256(raw); d.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 %s, want the hash of the file's bytes %x", d.SHA256, sum)
	}
	path := filepath.Join(t.TempDir(), "data.npy")
	sha, err := WriteDataset(path, d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.SHA256 != sha || !slices.Equal(back.X.Data, d.X.Data) || !slices.Equal(back.Shape, d.Shape) || back.X.C != d.X.C {
		t.Fatalf("read back %v %v (hash %s), wrote %v %v (hash %s)", back.Shape, back.X.Data, back.SHA256, d.Shape, d.X.Data, sha)
	}
	before := must(os.Stat(path))
	if again, err := WriteDataset(path, back); err != nil || again != sha {
		t.Fatalf("rewriting the same data: %s, %v", again, err)
	}
	if !os.SameFile(before, must(os.Stat(path))) {
		t.Error("the same data was written again")
	}
	back.X.Data[0] = 0.5
	if changed, err := WriteDataset(path, back); err != nil || changed == sha {
		t.Fatalf("changed data: hash %s, %v", changed, err)
	}
	if got, err := ReadDataset(path); err != nil || got.X.Data[0] != 0.5 {
		t.Errorf("changed data not written: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The npy layer's checks reach the caller unchanged: here truncation and an
// oversized header.
func TestDecodeDatasetPassesOnNpyErrors(t *testing.T) {
	var b bytes.Buffer
	if err := npy.Write(&b, &npy.Array{Shape: []int{2, 2}, Dtype: npy.Float32, F32: make([]float32, 4)}); err != nil {
		t.Fatal(err)
	}
	full := b.Bytes()
	if _, err := DecodeDataset(bytes.NewReader(full[:len(full)-1]), npy.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "truncated data") {
		t.Errorf("truncated: %v", err)
	}
	if _, err := DecodeDataset(bytes.NewReader(full), npy.ReadOptions{MaxHeader: 10}); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("header over the limit: %v", err)
	}
}

func FuzzReadDataset(f *testing.F) {
	for _, a := range []*npy.Array{
		{Shape: []int{2, 3}, Dtype: npy.Float32, F32: []float32{1, 2, 3, 4, 5, 6}},
		{Shape: []int{1, 2}, Dtype: npy.Float64, F64: []float64{1, 1e300}},
		{Shape: []int{2, 1, 2, 2}, Dtype: npy.Uint8, U8: seq(8)},
		{Shape: []int{1, 1, 1, 1}, Dtype: npy.Float32, F32: []float32{float32(math.NaN())}},
		{Shape: []int{0, 4}, Dtype: npy.Float32},
		{Shape: []int{3}, Dtype: npy.Int64, I64: []int64{1, 2, 3}},
	} {
		var b bytes.Buffer
		if err := npy.Write(&b, a); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()-1])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// A small element limit keeps each run cheap; npy's own tests cover
		// what large claims may allocate.
		d, err := DecodeDataset(bytes.NewReader(in), npy.ReadOptions{MaxElements: 1 << 16})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		n := 1
		for _, s := range d.Shape {
			n *= s
		}
		if r := len(d.Shape); (r != 2 && r != 4) || d.X.R != d.Shape[0] || d.X.R < 1 || d.X.C < 1 || d.X.R*d.X.C != n || len(d.X.Data) != n {
			t.Fatalf("shape %v read as %v", d.Shape, d.X)
		}
		for i, v := range d.X.Data {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) || (d.Dtype == npy.Uint8 && (f < 0 || f > 1)) {
				t.Fatalf("value %g at %d accepted from a %s file", f, i, d.Dtype)
			}
		}
	})
}

// A data set that would not fit in the memory available is refused
// before it is converted.
func TestDatasetTooLargeForMemory(t *testing.T) {
	t.Setenv(memlimit.EnvVar, "1K")
	a := &npy.Array{Shape: []int{100, 10}, Dtype: npy.Uint8, U8: make([]uint8, 1000)}
	_, err := DatasetFromArray(a)
	var tooLarge *memlimit.TooLargeError
	if !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "a data set of 100 examples of 10 values") {
		t.Fatalf("1000 values under a 1 KiB limit: %v", err)
	}
}
