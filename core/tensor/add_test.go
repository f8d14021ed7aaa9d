package tensor

import (
	"math"
	"testing"
)

// AddTo gives each sum as the scalar loop does, whatever the length (a
// vector kernel's whole vectors and a tail) and the alignment, and writes
// nothing past len(src).
func TestAddTo(t *testing.T) {
	for n := range 40 {
		for off := range 3 {
			src, dst := make([]Float, n+off), make([]Float, n+off+1)
			for i := range src {
				src[i] = Float(math.Sin(float64(i))) * 1e3
				dst[i] = Float(math.Cos(float64(i))) / 7
			}
			dst[n+off] = guardValue
			want := make([]Float, n)
			for i := range want {
				want[i] = dst[off+i] + src[off+i]
			}
			AddTo(dst[off:], src[off:])
			for i, w := range want {
				if dst[off+i] != w {
					t.Fatalf("n=%d off=%d: dst[%d] = %v, want %v", n, off, i, dst[off+i], w)
				}
			}
			if dst[n+off] != guardValue {
				t.Fatalf("n=%d off=%d: wrote past the end", n, off)
			}
		}
	}
}

const guardValue = 12345
