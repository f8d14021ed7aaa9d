package diffusion

import (
	"math"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

func logNormal(x, mean, variance float64) float64 {
	return -0.5*(x-mean)*(x-mean)/variance - 0.5*math.Log(2*math.Pi*variance)
}

// Bayes: q(x_k|x0)·q(x_{k+1}|x_k) / q(x_k|x_{k+1},x0) does not depend on x_k.
func TestPosteriorIsBayes(t *testing.T) {
	s, _ := VP(4, 0.1, 20)
	x0, xk1 := 0.7, -0.4
	for k := 0; k < s.T; k++ {
		ratio := func(xk float64) float64 {
			prior := logNormal(xk, s.SqrtAlphaBar[k]*x0, 1-s.AlphaBar[k])
			lik := logNormal(xk1, s.SqrtOneMinusBeta[k+1]*xk, s.Beta[k+1])
			post := logNormal(xk, s.PostC1[k]*x0+s.PostC2[k]*xk1, s.PostVar[k])
			return prior + lik - post
		}
		if a, b := ratio(-1.3), ratio(0.9); math.Abs(a-b) > 1e-6 {
			t.Errorf("k=%d: log-ratio depends on x_k: %v vs %v", k, a, b)
		}
	}
}

func TestPairMoments(t *testing.T) {
	s, _ := VP(4, 0.1, 20)
	const n = 200000
	k := make([]int, n)
	for i := range k {
		k[i] = 1
	}
	g := autograd.NewGraph()
	xkN, xk1N := s.Pair(g, g.Const(tensor.Full(n, 1, 0.8)), k, 1, 2)
	xk, xk1 := xkN.Value, xk1N.Value
	var m0, m1, v0, v1 float64
	for i := 0; i < n; i++ {
		m0 += float64(xk.Data[i])
		m1 += float64(xk1.Data[i])
	}
	m0, m1 = m0/n, m1/n
	for i := 0; i < n; i++ {
		v0 += math.Pow(float64(xk.Data[i])-m0, 2)
		v1 += math.Pow(float64(xk1.Data[i])-m1, 2)
	}
	v0, v1 = v0/n, v1/n
	check := func(name string, got, want float64) {
		if math.Abs(got-want) > 0.01 {
			t.Errorf("%s = %.4f, want %.4f", name, got, want)
		}
	}
	check("mean x_1", m0, s.SqrtAlphaBar[1]*0.8)
	check("var x_1", v0, 1-s.AlphaBar[1])
	check("mean x_2", m1, s.SqrtAlphaBar[2]*0.8)
	check("var x_2", v1, 1-s.AlphaBar[2])
}

func TestLogDensitiesMatchClosedForm(t *testing.T) {
	s, _ := VP(4, 0.1, 20)
	g := autograd.NewGraph()
	k := []int{0, 3}
	xk := g.Const(tensor.FromSlice(2, 2, []tensor.Float{0.1, -0.2, 0.3, 0.4}))
	xk1 := g.Const(tensor.FromSlice(2, 2, []tensor.Float{0.5, 0.6, -0.7, 0.8}))
	x0 := g.Const(tensor.FromSlice(2, 2, []tensor.Float{0.9, -1, 1.1, 0}))
	lt := s.LogTransition(g, xk1, xk, k).Value
	lp := s.PosteriorLogPDF(g, xk, x0, xk1, k, math.Log(1e-2)).Value
	for i, ki := range k {
		var wantT, wantP float64
		for j := 0; j < 2; j++ {
			a, b, c := float64(xk.Value.At(i, j)), float64(xk1.Value.At(i, j)), float64(x0.Value.At(i, j))
			wantT += logNormal(b, s.SqrtOneMinusBeta[ki+1]*a, s.Beta[ki+1])
			wantP += logNormal(a, s.PostC1[ki]*c+s.PostC2[ki]*b, math.Max(s.PostVar[ki], 1e-2))
		}
		if math.Abs(float64(lt.Data[i])-wantT) > 1e-4*math.Max(1, math.Abs(wantT)) {
			t.Errorf("log q(x_{k+1}|x_k) row %d = %v, want %v", i, lt.Data[i], wantT)
		}
		if math.Abs(float64(lp.Data[i])-wantP) > 1e-4*math.Max(1, math.Abs(wantP)) {
			t.Errorf("log q(x_k|x_{k+1},x0) row %d = %v, want %v", i, lp.Data[i], wantP)
		}
	}
}

func TestDRLSchedule(t *testing.T) {
	s, err := DRL(4, 0.1, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 166.0 / 999, 332.0 / 999, 498.0 / 999, 1}
	for i, w := range want {
		if math.Abs(s.TPrime[i]-w) > 1e-12 {
			t.Errorf("t'_%d = %v, want %v", i, s.TPrime[i], w)
		}
	}
	if _, err := DRL(1, 0.1, 20); err == nil {
		t.Error("DRL accepted T = 1")
	}
}

func TestScheduleRejectsBadArguments(t *testing.T) {
	for _, c := range []struct {
		T          int
		bmin, bmax float64
	}{{0, 0.1, 20}, {4, 0, 20}, {4, 1, 0.5}, {4, math.NaN(), 20}, {4, 0.1, math.Inf(1)}} {
		if _, err := VP(c.T, c.bmin, c.bmax); err == nil {
			t.Errorf("VP(%d, %v, %v) accepted", c.T, c.bmin, c.bmax)
		}
	}
}

func TestPriorWarning(t *testing.T) {
	good, _ := VP(4, 0.1, 20)
	if w := good.PriorWarning(); w != "" {
		t.Errorf("default schedule warned: %s", w)
	}
	toy, _ := VP(4, 0.01, 0.1)
	if w := toy.PriorWarning(); !strings.Contains(w, "ᾱ_T") {
		t.Errorf("schedule 0.01/0.1 (ᾱ_T = %.3f) did not warn", toy.AlphaBar[4])
	}
}
