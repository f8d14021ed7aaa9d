package tensor

import (
	"math"
	"testing"
)

func TestMaskedScaleAndZeroWherePositive(t *testing.T) {
	negZero := Float(math.Copysign(0, -1))
	ref := []Float{2, -3, 0, negZero, 1e-30, -1e-30, Float(math.Inf(1)), Float(math.Inf(-1))}
	v := []Float{1, 2, 3, 4, 5, 6, 7, 8}
	positive := []bool{true, false, false, false, true, false, true, false}
	ms, zp := make([]Float, len(v)), make([]Float, len(v))
	MaskedScale(ms, v, ref, 0.25)
	ZeroWherePositive(zp, v, ref)
	for i := range v {
		wantMS, wantZP := v[i]*0.25, v[i]
		if positive[i] {
			wantMS, wantZP = v[i], 0
		}
		if ms[i] != wantMS || zp[i] != wantZP {
			t.Errorf("ref %v: MaskedScale %v (want %v), ZeroWherePositive %v (want %v)", ref[i], ms[i], wantMS, zp[i], wantZP)
		}
	}
}
