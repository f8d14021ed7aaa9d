package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/npy"
)

func sample() *Checkpoint {
	w0 := make([]float32, 64*32)
	for i := range w0 {
		w0[i] = float32(math.Sin(float64(i)))
	}
	return &Checkpoint{
		Step:   12345,
		Config: json.RawMessage(`{"lr": 0.001, "layers": [64, 32], "name": "mnist"}`),
		Meta:   map[string]string{"git": "abc123", "note": "ünïcode ok"},
		Arrays: []Named{
			{"energy/W0", &npy.Array{Shape: []int{64, 32}, Dtype: npy.Float32, F32: w0}},
			{"energy/b0", &npy.Array{Shape: []int{4}, Dtype: npy.Float64, F64: []float64{math.NaN(), math.Inf(-1), 0, 1e300}}},
			{"bn/count", &npy.Array{Shape: []int{}, Dtype: npy.Int64, I64: []int64{-7}}},
			{"data/mask", &npy.Array{Shape: []int{2, 3}, Dtype: npy.Uint8, U8: []uint8{0, 1, 255, 3, 4, 5}}},
			{"empty", &npy.Array{Shape: []int{0, 4}, Dtype: npy.Float32, F32: []float32{}}},
		},
	}
}

func save(t testing.TB, c *Checkpoint) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ckpt.npz")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	return path
}

func sameArray(a, b *npy.Array) bool {
	if a.Dtype != b.Dtype || fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) || a.Len() != b.Len() {
		return false
	}
	// Compare through the npy encoding: bit-exact, NaNs included.
	var x, y bytes.Buffer
	return npy.Write(&x, a) == nil && npy.Write(&y, b) == nil && bytes.Equal(x.Bytes(), y.Bytes())
}

func TestRoundTrip(t *testing.T) {
	c := sample()
	path := save(t, c)
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != c.Step || string(got.Config) != string(c.Config) || fmt.Sprint(got.Meta) != fmt.Sprint(c.Meta) {
		t.Errorf("got step %d config %s meta %v", got.Step, got.Config, got.Meta)
	}
	var names []string
	for _, a := range got.Arrays {
		names = append(names, a.Name)
	}
	if want := "bn/count data/mask empty energy/W0 energy/b0"; strings.Join(names, " ") != want {
		t.Errorf("arrays %v, want sorted %s", names, want)
	}
	for _, a := range c.Arrays {
		b, err := got.Get(a.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !sameArray(a.Array, b) {
			t.Errorf("array %s differs", a.Name)
		}
	}
	_, err = got.Get("energy/W9")
	if err == nil || !strings.Contains(err.Error(), `no array named "energy/W9"`) || !strings.Contains(err.Error(), `"energy/W0"`) {
		t.Errorf("Get of a missing array: %v", err)
	}
}

func TestEmptyConfigAndMeta(t *testing.T) {
	got, err := Load(save(t, &Checkpoint{}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != nil || got.Meta == nil || len(got.Meta) != 0 || len(got.Arrays) != 0 || got.Step != 0 {
		t.Errorf("got %+v", got)
	}
	if _, err := got.Get("w"); err == nil || !strings.Contains(err.Error(), `no array named "w" (it has no arrays)`) {
		t.Errorf("Get on an empty checkpoint: %v", err)
	}
}

func TestDeterministicLayout(t *testing.T) {
	c := sample()
	a := readBytes(t, save(t, c))
	// The same content in another order gives the same bytes.
	c.Arrays[0], c.Arrays[3] = c.Arrays[3], c.Arrays[0]
	if b := readBytes(t, save(t, c)); !bytes.Equal(a, b) {
		t.Error("saving the same checkpoint twice gave different bytes")
	}

	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want stored", f.Name, f.Method)
		}
	}
	want := "config.json bn/count.npy data/mask.npy empty.npy energy/W0.npy energy/b0.npy meta.json"
	if strings.Join(names, " ") != want {
		t.Errorf("members %v, want %s", names, want)
	}
}

func TestSaveRejects(t *testing.T) {
	arr := &npy.Array{Shape: []int{1}, Dtype: npy.Float32, F32: []float32{1}}
	tests := []struct {
		c    *Checkpoint
		want string
	}{
		{&Checkpoint{Arrays: []Named{{"../escape", arr}}}, `"../escape" is not a clean relative`},
		{&Checkpoint{Arrays: []Named{{"/abs", arr}}}, "not a clean relative"},
		{&Checkpoint{Arrays: []Named{{"a//b", arr}}}, "not a clean relative"},
		{&Checkpoint{Arrays: []Named{{"", arr}}}, "not a clean relative"},
		{&Checkpoint{Arrays: []Named{{`a\b`, arr}}}, "not a clean relative"},
		{&Checkpoint{Arrays: []Named{{"a\nb", arr}}}, "control character"},
		{&Checkpoint{Arrays: []Named{{"bad\xff", arr}}}, "not valid UTF-8"},
		{&Checkpoint{Arrays: []Named{{"w", arr}, {"w", arr}}}, `two arrays named "w"`},
		{&Checkpoint{Arrays: []Named{{"w", nil}}}, `array "w" is nil`},
		{&Checkpoint{Config: json.RawMessage("{lr: 1}")}, "config is not valid JSON"},
		{&Checkpoint{Meta: map[string]string{"k": "\xff"}}, `meta entry "k" is not valid UTF-8`},
		{&Checkpoint{Arrays: []Named{{"w", &npy.Array{Shape: []int{2}, Dtype: npy.Float32, F32: []float32{1}}}}}, `array "w": npy: shape (2,) needs 2 elements`},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		path := filepath.Join(dir, "c.npz")
		err := Save(path, tt.c)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Save: got %v, want an error naming %s and containing %q", err, path, tt.want)
		}
		assertOnlyFiles(t, dir)
	}
}

// A save that fails midway, after megabytes have gone to disk, must leave the
// previous checkpoint as it was and no temporary file behind.
func TestSaveIsAtomic(t *testing.T) {
	path := save(t, sample())
	old := readBytes(t, path)

	big := make([]float64, 1<<18) // 2 MiB, well past any write buffer
	c := sample()
	c.Arrays = append(c.Arrays,
		Named{"a/big", &npy.Array{Shape: []int{len(big)}, Dtype: npy.Float64, F64: big}},
		Named{"z/broken", &npy.Array{Shape: []int{3, 3}, Dtype: npy.Float32, F32: make([]float32, 8)}})
	err := Save(path, c)
	if err == nil || !strings.Contains(err.Error(), `array "z/broken"`) {
		t.Fatalf("got %v, want an error naming the broken array", err)
	}
	if !bytes.Equal(readBytes(t, path), old) {
		t.Error("the failed save changed the existing checkpoint")
	}
	if _, err := Load(path); err != nil {
		t.Errorf("the old checkpoint no longer loads: %v", err)
	}
	assertOnlyFiles(t, filepath.Dir(path), "ckpt.npz")
}

// A process killed while saving leaves a temporary file; the next save
// removes it (and only it: other files stay).
func TestSaveRemovesStaleTemporaryFiles(t *testing.T) {
	path := save(t, sample())
	dir := filepath.Dir(path)
	for _, name := range []string{".ckpt.npz.tmp123456", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("half a checkpoint"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	assertOnlyFiles(t, dir, "ckpt.npz", "notes.txt")
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.npz")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want fs.ErrNotExist naming %s", err, path)
	}
}

func TestLoadTruncated(t *testing.T) {
	full := readBytes(t, save(t, sample()))
	for _, n := range []int{0, 1, 4, 30, 1000, len(full) / 2, len(full) - 100, len(full) - 22, len(full) - 1} {
		path := writeTemp(t, full[:n])
		_, err := Load(path)
		if err == nil {
			t.Errorf("cut at %d of %d bytes: accepted", n, len(full))
			continue
		}
		msg := err.Error()
		want := "is truncated or corrupted (zip: not a valid zip file)"
		switch n {
		case 0:
			want = "is empty"
		case 1:
			want = "is not a zip archive"
		}
		if !strings.Contains(msg, want) || !strings.HasPrefix(msg, "checkpoint "+path+": ") {
			t.Errorf("cut at %d: got %q, want it to name the path and say %q", n, msg, want)
		}
	}
}

func TestLoadNotZip(t *testing.T) {
	var buf bytes.Buffer
	npy.Write(&buf, &npy.Array{Shape: []int{2}, Dtype: npy.Float32, F32: []float32{1, 2}})
	for _, content := range [][]byte{[]byte("hello, world"), buf.Bytes(), bytes.Repeat([]byte{0}, 5000)} {
		_, err := Load(writeTemp(t, content))
		if err == nil || !strings.Contains(err.Error(), "is not a zip archive (zip: not a valid zip file)") {
			t.Errorf("%.12q...: got %v", content, err)
		}
	}
}

func TestLoadFlippedByte(t *testing.T) {
	full := readBytes(t, save(t, sample()))
	zr, err := zip.NewReader(bytes.NewReader(full), int64(len(full)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "energy/W0.npy" {
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		// One byte in the header (which would otherwise fail to parse) and
		// one in the payload.
		for _, at := range []int64{off + 20, off + 128 + 1000} {
			bad := bytes.Clone(full)
			bad[at] ^= 0x10
			_, err := Load(writeTemp(t, bad))
			want := `array "energy/W0" checksum mismatch (file altered or corrupted)`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("flip at %d: got %v, want %q", at, err, want)
			}
		}
	}
}

// rewrite rebuilds a checkpoint's zip, passing each member through edit (nil
// drops it) and then adding extra, all with consistent zip CRCs: the kind of
// alteration only the SHA-256 checksums and the meta.json listing catch.
func rewrite(t *testing.T, src []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	put := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if data = edit(f.Name, data); data != nil {
			put(f.Name, data)
		}
	}
	for name, data := range extra {
		put(name, data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func dropAll(string, []byte) []byte { return nil }

func editMeta(t *testing.T, change func(m map[string]any)) func(string, []byte) []byte {
	return func(name string, data []byte) []byte {
		if name != "meta.json" {
			return data
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		out, _ := json.Marshal(m)
		return out
	}
}

func TestLoadAltered(t *testing.T) {
	full := readBytes(t, save(t, sample()))
	npyFile := func() []byte {
		var buf bytes.Buffer
		npy.Write(&buf, &npy.Array{Shape: []int{1}, Dtype: npy.Uint8, U8: []uint8{1}})
		return buf.Bytes()
	}()
	same := func(_ string, data []byte) []byte { return data }
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"payload altered, CRC fixed", rewrite(t, full, func(name string, data []byte) []byte {
			if name == "energy/b0.npy" {
				data[len(data)-1] ^= 1
			}
			return data
		}, nil), `array "energy/b0" checksum mismatch (file altered or corrupted)`},
		{"config altered", rewrite(t, full, func(name string, data []byte) []byte {
			if name == "config.json" {
				data = bytes.Replace(data, []byte("0.001"), []byte("0.002"), 1)
			}
			return data
		}, nil), `member "config.json" checksum mismatch`},
		{"array missing", rewrite(t, full, func(name string, data []byte) []byte {
			if name == "energy/W0.npy" {
				return nil
			}
			return data
		}, nil), `array "energy/W0" is missing (listed in meta.json)`},
		{"array unlisted", rewrite(t, full, same, map[string][]byte{"energy/W1.npy": npyFile}), `array "energy/W1" is not listed in meta.json`},
		{"other member unlisted", rewrite(t, full, same, map[string][]byte{"notes.txt": []byte("hi")}), `member "notes.txt" is not listed in meta.json`},
		{"duplicate member", rewrite(t, full, same, map[string][]byte{"energy/W0.npy": npyFile}), `two members named "energy/W0.npy"`},
		{"meta missing", rewrite(t, full, func(name string, data []byte) []byte {
			if name == "meta.json" {
				return nil
			}
			return data
		}, nil), "has no meta.json"},
		{"wrong version", rewrite(t, full, editMeta(t, func(m map[string]any) { m["version"] = 2 }), nil),
			"has checkpoint format version 2; this program reads version 1"},
		{"wrong format", rewrite(t, full, editMeta(t, func(m map[string]any) { m["format"] = "pytorch" }), nil),
			`meta.json names format "pytorch", expected "ddaebm-checkpoint"`},
		{"unknown meta field", rewrite(t, full, editMeta(t, func(m map[string]any) { m["extra"] = 1 }), nil),
			`meta.json is not valid (json: unknown field "extra")`},
		{"meta not json", rewrite(t, full, func(name string, data []byte) []byte {
			if name == "meta.json" {
				return data[:len(data)/2]
			}
			return data
		}, nil), "meta.json is not valid"},
		{"size lie", rewrite(t, full, editMeta(t, func(m map[string]any) {
			m["members"].([]any)[1].(map[string]any)["size"] = 3
		}), nil), `array "bn/count" is 136 bytes, meta.json says 3`},
		{"bad checksum text", rewrite(t, full, editMeta(t, func(m map[string]any) {
			m["members"].([]any)[1].(map[string]any)["sha256"] = "abc"
		}), nil), `meta.json gives array "bn/count" checksum "abc", expected 64 lower-case hex digits`},
		{"listed twice", rewrite(t, full, editMeta(t, func(m map[string]any) {
			ms := m["members"].([]any)
			m["members"] = append(ms, ms[1])
		}), nil), `meta.json lists array "bn/count" twice`},
		{"config unlisted in meta", rewrite(t, full, editMeta(t, func(m map[string]any) {
			m["members"] = m["members"].([]any)[1:]
		}), nil), "meta.json does not list config.json"},
		{"unsafe name in meta", rewrite(t, full, editMeta(t, func(m map[string]any) {
			m["members"].([]any)[1].(map[string]any)["name"] = "../../etc/x.npy"
		}), nil), `array name "../../etc/x" is not a clean relative`},
		{"only unrelated zip", rewrite(t, full, dropAll, map[string][]byte{"a.npy": npyFile}), "has no meta.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.file)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "checkpoint "+path+": ") {
				t.Errorf("got %v, want an error naming %s and containing %q", err, path, tt.want)
			}
		})
	}
}

func TestLoadZipBombGuards(t *testing.T) {
	full := readBytes(t, save(t, sample()))
	zr, _ := zip.NewReader(bytes.NewReader(full), int64(len(full)))

	// A stored member whose headers claim a terabyte.
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		fh := f.FileHeader
		if f.Name == "energy/W0.npy" {
			fh.CompressedSize64, fh.UncompressedSize64 = 1<<40, 1<<40
		}
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := f.OpenRaw()
		io.Copy(w, raw)
	}
	zw.Close()
	_, err := Load(writeTemp(t, out.Bytes()))
	if err == nil || !strings.Contains(err.Error(), `array "energy/W0" claims 1099511627776 bytes in a`) {
		t.Errorf("huge member: got %v", err)
	}

	// A compressed member, whose size the file does not bound.
	var out2 bytes.Buffer
	zw = zip.NewWriter(&out2)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		w.Write(data)
	}
	zw.Close()
	_, err = Load(writeTemp(t, out2.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "is compressed (zip method 8); checkpoints store members uncompressed") {
		t.Errorf("compressed member: got %v", err)
	}
}

func readBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ckpt.npz")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
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
