package diffusion

import (
	"math"
	"testing"
)

func closeRel(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// Values for β_min = 0.1, β_max = 20, T = 4 computed with 40-digit decimal
// arithmetic from the definitions in docs/ALGORITHM.md §2.
var (
	exactBeta     = []float64{1.099439557e-4, 0.478255303, 0.8492060043, 0.9564177092, 0.9874039012}
	exactAlphaBar = []float64{0.999890056, 0.5216873344, 0.07866731765, 0.003428501918, 4.318574906e-05}
	exactPostVar  = []float64{1.099307705e-4, 0.4408678813, 0.8842104105, 0.9840610824}
)

func TestVPScheduleExact(t *testing.T) {
	s, err := VP(4, 0.1, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range exactBeta {
		if !closeRel(s.Beta[i], exactBeta[i], 1e-9) || !closeRel(s.AlphaBar[i], exactAlphaBar[i], 1e-9) {
			t.Errorf("i=%d: β %.10g ᾱ %.10g, want %.10g %.10g", i, s.Beta[i], s.AlphaBar[i], exactBeta[i], exactAlphaBar[i])
		}
	}
	for k := range exactPostVar {
		if !closeRel(s.PostVar[k], exactPostVar[k], 1e-9) {
			t.Errorf("v_%d = %.10g, want %.10g", k, s.PostVar[k], exactPostVar[k])
		}
	}
}

// The test vectors printed in docs/ALGORITHM.md, to 1e-5 relative (or half a
// unit in the last printed digit where fewer than six digits are given).
func TestVPScheduleSpecVectors(t *testing.T) {
	s, _ := VP(4, 0.1, 20)
	match := func(got, want, lastDigit float64) bool {
		return math.Abs(got-want) <= math.Max(1e-5*math.Abs(want), lastDigit/2)
	}
	beta := []float64{1.0994e-4, 0.478255, 0.849206, 0.956418, 0.987404}
	abar := []float64{0.999890, 0.521687, 0.0786673, 0.0034285, 4.3186e-5}
	for i := range beta {
		if !match(s.Beta[i], beta[i], 1e-8) {
			t.Errorf("β_%d = %.7g, want %.7g", i, s.Beta[i], beta[i])
		}
		if !match(s.AlphaBar[i], abar[i], 1e-9) {
			t.Errorf("ᾱ_%d = %.7g, want %.7g", i, s.AlphaBar[i], abar[i])
		}
	}
	post := []float64{1.0996e-4, 0.440868, 0.884210, 0.984061}
	for k := 1; k < len(post); k++ {
		if !match(s.PostVar[k], post[k], 1e-6) {
			t.Errorf("v_%d = %.7g, want %.7g", k, s.PostVar[k], post[k])
		}
	}
	// The listed v_0 = 1.0996e-4 is what float32 arithmetic gives: 1 − ᾱ_0
	// cancels three of float32's seven digits. The exact value is
	// 1.09931e-4 (checked above); we compute in float64 and keep it.
	a0, a1, b1 := float32(s.AlphaBar[0]), float32(s.AlphaBar[1]), float32(s.Beta[1])
	if v32 := float64(b1 * (1 - a0) / (1 - a1)); !match(v32, post[0], 1e-8) {
		t.Errorf("float32 v_0 = %.7g, listed %.7g", v32, post[0])
	}
}
