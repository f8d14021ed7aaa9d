package autograd

import (
	"math"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

func TestNormalIsStandardAndSeeded(t *testing.T) {
	b := NewCPU()
	const n = 200001 // odd: the last pair is cut in half
	x, y := tensor.New(1, n), tensor.New(1, n)
	b.Normal(x, 7)
	b.Normal(y, 7)
	var sum, sq, cross float64
	for i, v := range x.Data {
		if v != y.Data[i] {
			t.Fatalf("element %d: %v then %v from the same seed", i, v, y.Data[i])
		}
		sum += float64(v)
		sq += float64(v) * float64(v)
		if i > 0 {
			cross += float64(v) * float64(x.Data[i-1])
		}
	}
	mean, variance, lag1 := sum/n, sq/n-(sum/n)*(sum/n), cross/(n-1)
	// Standard errors over 2·10⁵ values: 0.0022 for the mean and the lag-1
	// correlation, 0.0032 for the variance; 5σ bounds.
	if math.Abs(mean) > 0.011 || math.Abs(variance-1) > 0.016 || math.Abs(lag1) > 0.011 {
		t.Errorf("mean %.4f, variance %.4f, lag-1 correlation %.4f; want 0, 1, 0", mean, variance, lag1)
	}
	b.Normal(y, 8)
	same := 0
	for i, v := range x.Data {
		if v == y.Data[i] {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 7 and 8 agree on %d of %d values", same, n)
	}
}
