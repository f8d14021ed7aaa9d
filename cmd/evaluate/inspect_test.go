package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/npy"
)

func npyBytes(t *testing.T, a *npy.Array) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := npy.Write(&b, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeBytes(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rawHeader builds a .npy file by hand from a header string.
func rawHeader(major byte, hdr string, data []byte) []byte {
	b := []byte("\x93NUMPY")
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	}
	return append(append(b, hdr...), data...)
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	u8 := make([]uint8, 24)
	for i := range u8 {
		u8[i] = uint8(i * 10)
	}
	tests := []struct {
		name string
		a    *npy.Array
		want string
	}{
		{"images", &npy.Array{Shape: []int{2, 3, 2, 2}, Dtype: npy.Uint8, U8: u8},
			"shape     (2, 3, 2, 2)\ndtype     uint8 (values divided by 255)\nexamples  2\nfeatures  12\nmin       0\nmax       0.901961\nmean      0.45098\n"},
		{"points", &npy.Array{Shape: []int{3, 2}, Dtype: npy.Float64, F64: []float64{-1.5, 2, 0, 4, 1, 0.5}},
			"shape     (3, 2)\ndtype     float64\nexamples  3\nfeatures  2\nmin       -1.5\nmax       4\nmean      1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeBytes(t, dir, tt.name+".npy", npyBytes(t, tt.a))
			var out bytes.Buffer
			if err := inspectCmd([]string{"-data", p}, &out); err != nil {
				t.Fatal(err)
			}
			if want := "file      " + p + "\n" + tt.want; out.String() != want {
				t.Errorf("got\n%s\nwant\n%s", out.String(), want)
			}
		})
	}
}

func TestInspectFailures(t *testing.T) {
	dir := t.TempDir()
	good := npyBytes(t, &npy.Array{Shape: []int{2, 3}, Dtype: npy.Float32, F32: []float32{1, 2, 3, 4, 5, 6}})
	const hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	long := hdr + strings.Repeat(" ", 70000) + "\n"
	bigHeader := rawHeader(2, long, good[len(good)-24:])
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"not npy", []byte("PK\x03\x04 a zip file"), "not a .npy file"},
		{"garbage header", rawHeader(1, "{'descr': '<f4' 'shape': (2, 3)}", nil), "expected ',' or '}'"},
		{"cut in the header", good[:30], "truncated header"},
		{"truncated data", good[:len(good)-3], "truncated data: shape (2, 3) of float32 needs 24 bytes, found 21"},
		{"trailing bytes", append(append([]byte{}, good...), 1, 2), "unexpected bytes after the 24 bytes"},
		{"oversized header", bigHeader, fmt.Sprintf("header length %d exceeds the limit of 65536", len(long))},
		{"forged header length", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{"), "header length 4294967295 exceeds the limit"},
		{"int32", rawHeader(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", make([]byte, 8)), `unsupported dtype "<i4"`},
		{"int64", npyBytes(t, &npy.Array{Shape: []int{1, 2}, Dtype: npy.Int64, I64: []int64{1, 2}}), "dtype int64 is not accepted for data sets (want float32 or float64, taken as they are, or uint8 8-bit pixels, divided by 255)"},
		{"big-endian", rawHeader(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", make([]byte, 8)), "big-endian"},
		{"rank 3", npyBytes(t, &npy.Array{Shape: []int{1, 2, 2}, Dtype: npy.Uint8, U8: make([]uint8, 4)}), "shape (1, 2, 2) has rank 3"},
		{"no examples", npyBytes(t, &npy.Array{Shape: []int{0, 5}, Dtype: npy.Float32}), "holds no examples"},
		{"NaN", npyBytes(t, &npy.Array{Shape: []int{2, 1}, Dtype: npy.Float32, F32: []float32{0, float32(math.NaN())}}), "non-finite value NaN at example 1, feature 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeBytes(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".npy", tt.file)
			var out bytes.Buffer
			err := inspectCmd([]string{"-data", p}, &out)
			var u *cli.UsageError
			if err == nil || errors.As(err, &u) {
				t.Fatalf("got %v, want a failure (not a usage error)", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, p) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line naming %s and saying %q", msg, p, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q for a bad file", out.String())
			}
		})
	}
	if err := inspectCmd([]string{"-data", filepath.Join(dir, "nope.npy")}, &bytes.Buffer{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want a not-exist error", err)
	}
	for _, args := range [][]string{nil, {"-data"}, {"-data", "x.npy", "extra"}, {"-points", "x.npy"}} {
		var u *cli.UsageError
		if err := inspectCmd(args, &bytes.Buffer{}); !errors.As(err, &u) {
			t.Errorf("inspect %q: got %v, want a usage error", args, err)
		}
	}
}

// The exit codes are what scripts see, so they are checked on the real
// command: this test binary re-runs itself as evaluate.
func TestInspectExitCodes(t *testing.T) {
	if args, ok := os.LookupEnv("EVALUATE_TEST_ARGS"); ok {
		os.Args = append([]string{"evaluate"}, strings.Split(args, "\n")...)
		main()
		return
	}
	dir := t.TempDir()
	good := writeBytes(t, dir, "good.npy", npyBytes(t, &npy.Array{Shape: []int{1, 2}, Dtype: npy.Float32, F32: []float32{1, 2}}))
	b := npyBytes(t, &npy.Array{Shape: []int{1, 2}, Dtype: npy.Float32, F32: []float32{1, 2}})
	bad := writeBytes(t, dir, "bad.npy", b[:len(b)-8])
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"inspect", "-data", good}, 0, ""},
		{[]string{"inspect", "-data", bad}, 1, "evaluate: npy: " + bad + ": truncated data: shape (1, 2) of float32 needs 8 bytes, found 0\n"},
		{[]string{"inspect"}, 2, "evaluate: -data is required\n"},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInspectExitCodes$")
		cmd.Env = append(os.Environ(), "EVALUATE_TEST_ARGS="+strings.Join(tt.args, "\n"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code || !strings.HasPrefix(stderr.String(), tt.stderr) {
			t.Errorf("evaluate %q: exit %d, stderr %q; want exit %d, stderr starting %q", tt.args, code, stderr.String(), tt.code, tt.stderr)
		}
		if tt.code == 0 && !strings.Contains(stdout.String(), "shape     (1, 2)") {
			t.Errorf("evaluate %q printed %q", tt.args, stdout.String())
		}
	}
}
