package checkpoint

import (
	"bytes"
	"testing"

	"github.com/ddaebm/ddaebm/core/npy"
)

// FuzzLoad feeds arbitrary bytes to what Load does after opening the file.
// It works in memory rather than through a temporary file because a file
// round trip costs 200 times more than the parse, and the fuzzer's input
// minimisation, quadratic in the input size, then stalls for minutes.
func FuzzLoad(f *testing.F) {
	// Small seeds: the fuzzer mutates and minimises them byte by byte.
	tiny := &Checkpoint{
		Step:   3,
		Config: []byte(`{"a":1}`),
		Meta:   map[string]string{"k": "v"},
		Arrays: []Named{
			{"w", &npy.Array{Shape: []int{2}, Dtype: npy.Float32, F32: []float32{1, 2}}},
			{"n/b", &npy.Array{Shape: []int{}, Dtype: npy.Uint8, U8: []uint8{7}}},
		},
	}
	for _, c := range []*Checkpoint{tiny, {}} {
		b := readBytes(f, save(f, c))
		f.Add(b)
		for _, n := range []int{0, 4, 100, len(b) / 2, len(b) - 22, len(b) - 1} {
			f.Add(b[:n])
		}
	}
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		// Whatever loads must save and load back to the same thing.
		if err := c.check(); err != nil {
			t.Fatalf("a loaded checkpoint fails Save's checks: %v", err)
		}
		var buf bytes.Buffer
		if err := c.write(&buf); err != nil {
			t.Fatalf("re-saving a loaded checkpoint: %v", err)
		}
		c2, err := read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("re-loading a re-saved checkpoint: %v", err)
		}
		if len(c2.Arrays) != len(c.Arrays) || string(c2.Config) != string(c.Config) || c2.Step != c.Step || len(c2.Meta) != len(c.Meta) {
			t.Fatalf("re-saved checkpoint differs")
		}
		for i, a := range c.Arrays {
			if c2.Arrays[i].Name != a.Name || !sameArray(a.Array, c2.Arrays[i].Array) {
				t.Fatalf("array %q differs after a re-save", a.Name)
			}
		}
	})
}
