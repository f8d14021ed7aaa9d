package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/memlimit"
)

// sameArray reports whether a and b are identical, comparing floats by bit
// pattern so that NaNs and signed zeros count.
func sameArray(a, b *Array) error {
	if a.Dtype != b.Dtype {
		return fmt.Errorf("dtype %s vs %s", a.Dtype, b.Dtype)
	}
	if formatShape(a.Shape) != formatShape(b.Shape) {
		return fmt.Errorf("shape %v vs %v", a.Shape, b.Shape)
	}
	if a.Len() != b.Len() {
		return fmt.Errorf("len %d vs %d", a.Len(), b.Len())
	}
	for i := range a.Len() {
		var x, y uint64
		switch a.Dtype {
		case Float32:
			x, y = uint64(math.Float32bits(a.F32[i])), uint64(math.Float32bits(b.F32[i]))
		case Float64:
			x, y = math.Float64bits(a.F64[i]), math.Float64bits(b.F64[i])
		case Uint8:
			x, y = uint64(a.U8[i]), uint64(b.U8[i])
		case Int64:
			x, y = uint64(a.I64[i]), uint64(b.I64[i])
		}
		if x != y {
			return fmt.Errorf("element %d differs: %#x vs %#x", i, x, y)
		}
	}
	return nil
}

func makeArray(dtype string, shape []int) *Array {
	n := 1
	for _, d := range shape {
		n *= d
	}
	a := &Array{Shape: shape, Dtype: dtype}
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, -1.5}
	switch dtype {
	case Float32:
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = float32(i)*0.25 - 3
			if i < len(specials) {
				a.F32[i] = float32(specials[i])
			}
		}
	case Float64:
		a.F64 = make([]float64, n)
		for i := range a.F64 {
			a.F64[i] = float64(i)*1e-3 - 7
			if i < len(specials) {
				a.F64[i] = specials[i]
			}
		}
	case Uint8:
		a.U8 = make([]uint8, n)
		for i := range a.U8 {
			a.U8[i] = uint8(i * 37)
		}
	case Int64:
		a.I64 = make([]int64, n)
		for i := range a.I64 {
			a.I64[i] = int64(i)*(1<<40) - math.MaxInt64/3
		}
		if n > 0 {
			a.I64[0] = math.MinInt64
		}
	}
	return a
}

func encode(t testing.TB, a *Array) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, a); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	shapes := [][]int{{}, {0}, {5}, {3, 4}, {2, 1, 3, 3}, {0, 3}, {4, 0, 2}, {1}, {1000, 7}}
	for _, dt := range dtypes {
		for _, shape := range shapes {
			t.Run(dt.name+formatShape(shape), func(t *testing.T) {
				a := makeArray(dt.name, shape)
				b := encode(t, a)
				hlen := int(binary.LittleEndian.Uint16(b[8:]))
				if (10+hlen)%64 != 0 || b[10+hlen-1] != '\n' {
					t.Errorf("data starts at %d, header ends with %q; want a multiple of 64 after a newline", 10+hlen, b[10+hlen-1])
				}
				if want := 10 + hlen + a.Len()*dt.size; len(b) != want {
					t.Errorf("encoded %d bytes, want %d", len(b), want)
				}
				got, err := Read(bytes.NewReader(b), ReadOptions{})
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if err := sameArray(a, got); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestGolden(t *testing.T) {
	// What numpy.save(f, numpy.arange(6, dtype='<f4').reshape(2, 3)) writes:
	// the dict, 20 spaces of room for the first dimension to grow to 21
	// digits, spaces up to 127 bytes in all, and a newline.
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	var want bytes.Buffer
	want.WriteString("\x93NUMPY\x01\x00")
	want.Write([]byte{118, 0}) // 128 - 10
	want.WriteString(dict)
	want.WriteString(strings.Repeat(" ", 127-10-len(dict)))
	want.WriteString("\n")
	for i := range 6 {
		binary.Write(&want, binary.LittleEndian, float32(i))
	}

	a := &Array{Shape: []int{2, 3}, Dtype: Float32, F32: []float32{0, 1, 2, 3, 4, 5}}
	if got := encode(t, a); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("Write:\n got %q\nwant %q", got, want.Bytes())
	}
	numpys, err := os.ReadFile("testdata/f4_2x3.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(numpys, want.Bytes()) {
		t.Errorf("testdata/f4_2x3.npy (written by numpy) differs from the golden bytes:\n got %q\nwant %q", numpys, want.Bytes())
	}
}

// The testdata files were written by numpy 2.4 (np.save and
// numpy.lib.format.write_array with an explicit version).
func TestReadNumpyFiles(t *testing.T) {
	tests := []struct {
		file string
		want *Array
		// rewrite: whether Write must reproduce the file byte for byte,
		// which holds for everything numpy.save writes by default.
		rewrite bool
	}{
		{"f4_2x3.npy", &Array{Shape: []int{2, 3}, Dtype: Float32, F32: []float32{0, 1, 2, 3, 4, 5}}, true},
		{"f8_scalar.npy", &Array{Shape: []int{}, Dtype: Float64, F64: []float64{-2.5}}, true},
		{"u1_5.npy", &Array{Shape: []int{5}, Dtype: Uint8, U8: []uint8{0, 50, 100, 150, 200}}, true},
		{"i8_3x4.npy", &Array{Shape: []int{3, 4}, Dtype: Int64, I64: func() []int64 {
			v := make([]int64, 12)
			for i := range v {
				v[i] = int64(i-6) << 40
			}
			return v
		}()}, true},
		{"f4_0x3.npy", &Array{Shape: []int{0, 3}, Dtype: Float32, F32: []float32{}}, true},
		{"f8_2x1x2x2.npy", &Array{Shape: []int{2, 1, 2, 2}, Dtype: Float64, F64: []float64{
			math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e-310, 1.5, 2, 3}}, true},
		{"f4_v2.npy", &Array{Shape: []int{3}, Dtype: Float32, F32: []float32{0, 1, 2}}, false},
		{"f4_v3.npy", &Array{Shape: []int{3}, Dtype: Float32, F32: []float32{0, 1, 2}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			got, err := ReadFile(path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.Dtype == Float64 && math.IsNaN(tt.want.F64[0]) {
				// numpy's NaN is the quiet NaN 0x7ff8000000000000, as is Go's.
				tt.want.F64[0] = math.Float64frombits(0x7ff8000000000000)
			}
			if err := sameArray(tt.want, got); err != nil {
				t.Fatal(err)
			}
			if tt.rewrite {
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if enc := encode(t, got); !bytes.Equal(enc, raw) {
					t.Errorf("Write differs from numpy:\n got %q\nwant %q", enc, raw)
				}
			}
		})
	}
}

// rawNpy assembles a .npy file from its parts, for headers Write would never
// produce.
func rawNpy(major byte, header string, data []byte) []byte {
	b := []byte(magic)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	}
	b = append(b, header...)
	return append(b, data...)
}

func f32bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func TestHeaderVariants(t *testing.T) {
	data := f32bytes(1, 2, 3, 4, 5, 6)
	tests := []struct {
		header string
		shape  []int
		data   []byte
	}{
		{"{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", []int{2, 3}, data},
		{"{'fortran_order':False,'shape':(2,3),'descr':'<f4',}\n", []int{2, 3}, data},
		{`{ "descr" : "<f4" , "fortran_order" : False , "shape" : ( 6 , ) , }    ` + "\n", []int{6}, data},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3,), }", []int{2, 3}, data},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2,1,3,1), }", []int{2, 1, 3, 1}, data},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", []int{}, data[:4]},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", []int{0}, nil},
		{"\t{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\r\n", []int{1}, data[:4]},
	}
	for _, tt := range tests {
		for _, major := range []byte{1, 2, 3} {
			a, err := Read(bytes.NewReader(rawNpy(major, tt.header, tt.data)), ReadOptions{})
			if err != nil {
				t.Errorf("v%d %q: %v", major, tt.header, err)
				continue
			}
			if formatShape(a.Shape) != formatShape(tt.shape) || a.Dtype != Float32 || a.Len()*4 != len(tt.data) {
				t.Errorf("v%d %q: got shape %v dtype %s len %d", major, tt.header, a.Shape, a.Dtype, a.Len())
			}
		}
	}
	for _, descr := range []string{"|u1", "<u1", "u1"} {
		h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (2,), }", descr)
		a, err := Read(bytes.NewReader(rawNpy(1, h, []byte{7, 9})), ReadOptions{})
		if err != nil || a.Dtype != Uint8 || a.U8[1] != 9 {
			t.Errorf("descr %s: got %+v, %v", descr, a, err)
		}
	}
}

func TestReadRejects(t *testing.T) {
	hdr := func(descr, fortran, shape string) string {
		return fmt.Sprintf("{'descr': %s, 'fortran_order': %s, 'shape': %s, }", descr, fortran, shape)
	}
	good := hdr("'<f4'", "False", "(2, 3)")
	data := f32bytes(1, 2, 3, 4, 5, 6)
	valid := rawNpy(1, good, data)
	numpyFile := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	tests := []struct {
		name  string
		input []byte
		opt   ReadOptions
		want  []string // substrings of the error
	}{
		{"empty", nil, ReadOptions{}, []string{"truncated preamble", "found 0"}},
		{"bad magic", []byte("PK\x03\x04 this is a zip"), ReadOptions{}, []string{"not a .npy file", `expected magic "\x93NUMPY"`, `found "PK\x03\x04 t"`}},
		{"short magic", []byte("\x93NUM"), ReadOptions{}, []string{"truncated preamble", "found 4"}},
		{"no header length", valid[:9], ReadOptions{}, []string{"truncated preamble", "expected 10 bytes, found 9"}},
		{"version 4.0", append([]byte("\x93NUMPY\x04\x00"), valid[8:]...), ReadOptions{}, []string{"unsupported format version 4.0", "1.0, 2.0, 3.0"}},
		{"version 1.1", append([]byte("\x93NUMPY\x01\x01"), valid[8:]...), ReadOptions{}, []string{"unsupported format version 1.1"}},
		{"version 0.0", append([]byte("\x93NUMPY\x00\x00"), valid[8:]...), ReadOptions{}, []string{"unsupported format version 0.0"}},
		{"header over limit", valid, ReadOptions{MaxHeader: 16}, []string{"header length 59 exceeds the limit of 16"}},
		{"huge v2 header length", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{"), ReadOptions{}, []string{"header length 4294967295 exceeds the limit of 65536"}},
		{"truncated header", valid[:30], ReadOptions{}, []string{"truncated header", "expected 59 bytes, found 20"}},
		{"header not a dict", rawNpy(1, "['descr']", nil), ReadOptions{}, []string{"header must be a dict", `"['descr']"`}},
		{"header garbage", rawNpy(1, "{'descr': '<f4' 'shape': ()}", nil), ReadOptions{}, []string{"expected ',' or '}' after the value of \"descr\"", "found '\\''"}},
		{"header trailing garbage", rawNpy(1, good+" x", data), ReadOptions{}, []string{"expected end of header", "found 'x'"}},
		{"header unterminated", rawNpy(1, "{'descr': '<f4", nil), ReadOptions{}, []string{"unterminated string"}},
		{"header cut", rawNpy(1, "{'descr': '<f4', 'shape': (2,", nil), ReadOptions{}, []string{"expected a value, found end of header"}},
		{"header escape", rawNpy(1, `{'descr': '<f\4'}`, nil), ReadOptions{}, []string{"backslash"}},
		{"header deep", rawNpy(1, "{'shape': "+strings.Repeat("(", 5000), nil), ReadOptions{}, []string{"nested more than 16 levels"}},
		{"header name", rawNpy(1, hdr("'<f4'", "false", "(1,)"), nil), ReadOptions{}, []string{`found name "false"`}},
		{"missing key", rawNpy(1, "{'descr': '<f4', 'shape': (2, 3)}", data), ReadOptions{}, []string{`missing key "fortran_order"`}},
		{"extra key", rawNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'align': True}", data[:4]), ReadOptions{}, []string{`unexpected key "align"`}},
		{"duplicate key", rawNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'shape': ()}", data[:4]), ReadOptions{}, []string{`key "shape" twice`}},
		{"big-endian", numpyFile("f4_bigendian.npy"), ReadOptions{}, []string{`unsupported dtype ">f4"`, "big-endian", "'<f4', '<f8', '|u1', '<i8'"}},
		{"int32", numpyFile("i4.npy"), ReadOptions{}, []string{`unsupported dtype "<i4"`, "'<f4', '<f8', '|u1', '<i8'"}},
		{"float16", rawNpy(1, hdr("'<f2'", "False", "(3,)"), data[:6]), ReadOptions{}, []string{`unsupported dtype "<f2"`}},
		{"structured", rawNpy(1, hdr("[('x', '<f4')]", "False", "(3,)"), data[:12]), ReadOptions{}, []string{`unsupported dtype "[('x', '<f4')]"`, "structured"}},
		{"descr not string", rawNpy(1, hdr("4", "False", "(3,)"), data[:12]), ReadOptions{}, []string{`unsupported dtype "4"`}},
		{"fortran order", numpyFile("f4_fortran.npy"), ReadOptions{}, []string{"fortran_order True", "not supported"}},
		{"fortran not bool", rawNpy(1, hdr("'<f4'", "0", "(2, 3)"), data), ReadOptions{}, []string{"'fortran_order' must be True or False, found \"0\""}},
		{"shape list", rawNpy(1, hdr("'<f4'", "False", "[2, 3]"), data), ReadOptions{}, []string{"'shape' must be a tuple of integers", `"[2, 3]"`}},
		{"shape parenthesised int", rawNpy(1, hdr("'<f4'", "False", "(6)"), data), ReadOptions{}, []string{"'shape' must be a tuple of integers", `found "(6)"`}},
		{"shape of strings", rawNpy(1, hdr("'<f4'", "False", "('2',)"), data), ReadOptions{}, []string{"'shape' must be a tuple of integers"}},
		{"negative dim", rawNpy(1, hdr("'<f4'", "False", "(-2, 3)"), data), ReadOptions{}, []string{`shape "(-2, 3)" has a negative dimension`}},
		{"dim out of int64", rawNpy(1, hdr("'<f4'", "False", "(99999999999999999999,)"), data), ReadOptions{}, []string{"out of range"}},
		{"element overflow", rawNpy(1, hdr("'<f4'", "False", "(4294967296, 4294967296)"), data), ReadOptions{}, []string{"more elements than fit in an int64"}},
		{"byte overflow", rawNpy(1, hdr("'<f8'", "False", "(4611686018427387904,)"), data), ReadOptions{MaxElements: math.MaxInt64}, []string{"too large to hold in memory"}},
		{"over MaxElements", rawNpy(1, hdr("'<f4'", "False", "(65536, 32769)"), data), ReadOptions{}, []string{"has 2147549184 elements, more than the limit of 2147483648"}},
		{"over custom MaxElements", valid, ReadOptions{MaxElements: 5}, []string{"shape (2, 3) has 6 elements, more than the limit of 5"}},
		{"truncated data", valid[:len(valid)-4], ReadOptions{}, []string{"truncated data", "shape (2, 3) of float32 needs 24 bytes, found 20"}},
		{"no data", valid[:len(valid)-24], ReadOptions{}, []string{"needs 24 bytes, found 0"}},
		{"trailing bytes", append(append([]byte{}, valid...), 0), ReadOptions{}, []string{"unexpected bytes after the 24 bytes of array data"}},
		{"trailing array", append(append([]byte{}, valid...), valid...), ReadOptions{}, []string{"unexpected bytes after"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Read(bytes.NewReader(tt.input), tt.opt)
			if err == nil {
				t.Fatalf("accepted: %+v", a)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "npy: ") {
				t.Errorf("error %q lacks the npy: prefix", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// A header may claim any shape; what gets allocated must follow the bytes
// actually present, or a 100-byte file could demand gigabytes.
func TestForgedShapeDoesNotAllocate(t *testing.T) {
	t.Setenv(memlimit.EnvVar, "1T") // this machine's memory is not the question here
	in := rawNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483648,), }", make([]byte, 800))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Read(bytes.NewReader(in), ReadOptions{})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "needs 17179869184 bytes, found 800") {
		t.Fatalf("got %v, want a truncation error", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes for an 800-byte payload", alloc)
	}
}

// An array that does not fit in the memory available is refused before it
// is read.
func TestArrayTooLargeForMemory(t *testing.T) {
	t.Setenv(memlimit.EnvVar, "1K")
	in := encode(t, &Array{Shape: []int{10, 30}, Dtype: Float64, F64: make([]float64, 300)})
	_, err := Read(bytes.NewReader(in), ReadOptions{})
	var tooLarge *memlimit.TooLargeError
	if !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "an array of shape (10, 30) of float64 needs about 2.3 KiB") {
		t.Fatalf("2400 bytes of data under a 1 KiB limit: %v", err)
	}
	t.Setenv(memlimit.EnvVar, "1M")
	if _, err := Read(bytes.NewReader(in), ReadOptions{}); err != nil {
		t.Fatal(err)
	}
}

type countingReader struct {
	r     io.Reader
	calls int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.calls++
	return c.r.Read(p)
}

func TestReadIsBuffered(t *testing.T) {
	a := makeArray(Float32, []int{300, 1000})
	cr := &countingReader{r: bytes.NewReader(encode(t, a))}
	if _, err := Read(cr, ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	// 1.2 MB: a handful of chunked reads, not one per element.
	if cr.calls > 10 {
		t.Errorf("Read made %d calls to the underlying reader", cr.calls)
	}
}

func TestVersion2Header(t *testing.T) {
	// numpy moves to version 2.0 only when the padded header exceeds 65535
	// bytes, which takes a very high-dimensional shape.
	shape := make([]int, 22000)
	for i := range shape {
		shape[i] = 1
	}
	a := makeArray(Float64, shape)
	b := encode(t, a)
	if b[6] != 2 || b[7] != 0 {
		t.Fatalf("version %d.%d, want 2.0", b[6], b[7])
	}
	if hlen := binary.LittleEndian.Uint32(b[8:]); (12+hlen)%64 != 0 || hlen <= math.MaxUint16 {
		t.Errorf("header length %d: want > 65535 and data aligned to 64", hlen)
	}
	if _, err := Read(bytes.NewReader(b), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "exceeds the limit of 65536") {
		t.Errorf("default MaxHeader: got %v, want a limit error", err)
	}
	got, err := Read(bytes.NewReader(b), ReadOptions{MaxHeader: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := sameArray(a, got); err != nil {
		t.Fatal(err)
	}
}

func TestWriteRejectsInvalid(t *testing.T) {
	tests := []struct {
		a    *Array
		want string
	}{
		{&Array{Shape: []int{2}, Dtype: "int32"}, `unsupported dtype "int32"`},
		{&Array{Shape: []int{2, 3}, Dtype: Float32, F32: make([]float32, 5)}, "shape (2, 3) needs 6 elements but the float32 data has 5"},
		{&Array{Shape: []int{-1}, Dtype: Float32}, "negative dimension"},
		{&Array{Shape: nil, Dtype: Float64}, "shape () needs 1 elements but the float64 data has 0"},
		{&Array{Shape: []int{1}, Dtype: Float32, F32: []float32{1}, F64: []float64{1}}, "float64 data is also set"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := Write(&buf, tt.a)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Write(%+v) = %v, want error containing %q", tt.a, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("Write(%+v) wrote %d bytes before failing", tt.a, buf.Len())
		}
	}
}

func TestConversions(t *testing.T) {
	arrays := []*Array{
		{Shape: []int{3}, Dtype: Float32, F32: []float32{1.5, -2, 3}},
		{Shape: []int{3}, Dtype: Float64, F64: []float64{1.5, -2, 3}},
		{Shape: []int{3}, Dtype: Int64, I64: []int64{1, -2, 3}},
		{Shape: []int{3}, Dtype: Uint8, U8: []uint8{1, 254, 3}},
	}
	want := [][]float64{{1.5, -2, 3}, {1.5, -2, 3}, {1, -2, 3}, {1, 254, 3}}
	for i, a := range arrays {
		f32, f64 := a.ToFloat32(), a.ToFloat64()
		for j := range want[i] {
			if float64(f32[j]) != want[i][j] || f64[j] != want[i][j] {
				t.Errorf("%s: element %d: ToFloat32 %v, ToFloat64 %v, want %v", a.Dtype, j, f32[j], f64[j], want[i][j])
			}
		}
		// The conversions must not alias the array's own storage.
		f32[0], f64[0] = 99, 99
		if a.ToFloat64()[0] == 99 {
			t.Errorf("%s: conversion aliases the array data", a.Dtype)
		}
	}
}
