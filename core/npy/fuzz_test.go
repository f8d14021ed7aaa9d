package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.npy")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, dt := range dtypes {
		b := encode(f, makeArray(dt.name, []int{2, 3}))
		f.Add(b)
		for _, cut := range []int{0, 5, 9, 10, 40, 127, 128, len(b) - 1} {
			f.Add(b[:cut])
		}
	}
	f.Add(rawNpy(2, "{'shape':(1,),'descr':'|u1','fortran_order':False}", []byte{1}))
	f.Add(rawNpy(3, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", make([]byte, 8)))

	f.Fuzz(func(t *testing.T, in []byte) {
		// A small element limit keeps each run cheap; the allocation bound
		// for larger claims is TestForgedShapeDoesNotAllocate's job.
		opt := ReadOptions{MaxElements: 1 << 16}
		a, err := Read(bytes.NewReader(in), opt)
		if err != nil {
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("Read returned an invalid array: %v", err)
		}
		enc := encode(t, a)
		b, err := Read(bytes.NewReader(enc), opt)
		if err != nil {
			t.Fatalf("re-reading the re-encoded array: %v", err)
		}
		if err := sameArray(a, b); err != nil {
			t.Fatalf("re-read array differs: %v", err)
		}
		if enc2 := encode(t, b); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%q\n%q", enc, enc2)
		}
	})
}
