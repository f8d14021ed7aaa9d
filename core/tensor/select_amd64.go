//go:build amd64 && !f64

package tensor

import "golang.org/x/sys/cpu"

// maskedScaleAVX2 and zeroWherePositiveAVX2 are MaskedScale and
// ZeroWherePositive on the first n elements, n a multiple of 8: the same
// test of ref's integer image (VPCMPGTD against zero), a blend or a mask
// in place of the conditional move, so the same bits.
//
//go:noescape
func maskedScaleAVX2(dst, v, ref *float32, s float32, n int)

//go:noescape
func zeroWherePositiveAVX2(dst, w, ref *float32, n int)

func init() {
	if cpu.X86.HasAVX2 {
		maskedScaleVec, zeroWherePositiveVec = maskedScaleAVX2, zeroWherePositiveAVX2
	}
}
