package diffusion

import (
	"fmt"
	"math"
)

// tEps is the smallest diffusion time: t'_0 = 1e-3 keeps β_0 > 0.
const tEps = 1e-3

// Schedule holds the coefficients of a T-step diffusion. Arrays indexed
// by i run over i = 0..T; posterior arrays over k = 0..T−1.
type Schedule struct {
	T                int
	BetaMin, BetaMax float64
	TPrime           []float64 // t'_i
	Beta             []float64 // β_i
	AlphaBar         []float64 // ᾱ_i = Π_{j≤i} (1 − β_j)
	PostC1, PostC2   []float64 // posterior mean c1_k·x0 + c2_k·x_{k+1}
	PostVar          []float64 // posterior variance v_k
	LogPostVar       []float64 // log v_k
	PostStd          []float64 // √v_k
	SqrtAlphaBar     []float64
	SqrtOneMinusAbar []float64
	SqrtOneMinusBeta []float64
	SqrtBeta         []float64
}

// VP returns the equidistant schedule t'_i = (i/T)(1 − 1e-3) + 1e-3.
func VP(T int, betaMin, betaMax float64) (*Schedule, error) {
	if err := check(T, betaMin, betaMax); err != nil {
		return nil, err
	}
	tp := make([]float64, T+1)
	for i := range tp {
		tp[i] = float64(i)/float64(T)*(1-tEps) + tEps
	}
	return build(T, betaMin, betaMax, tp), nil
}

// DRL returns the schedule of the LSUN experiments (Appendix B.1):
// t'_i = i·⌊500/(T−1)⌋/999 for i < T and t'_T = 1. It needs T ≥ 2.
func DRL(T int, betaMin, betaMax float64) (*Schedule, error) {
	if err := check(T, betaMin, betaMax); err != nil {
		return nil, err
	}
	if T < 2 {
		return nil, fmt.Errorf("diffusion: the DRL schedule needs T ≥ 2, got T = %d", T)
	}
	tp := make([]float64, T+1)
	stride := math.Floor(500 / float64(T-1))
	for i := 0; i < T; i++ {
		tp[i] = float64(i) * stride / 999
	}
	tp[T] = 1
	return build(T, betaMin, betaMax, tp), nil
}

func check(T int, betaMin, betaMax float64) error {
	if T < 1 {
		return fmt.Errorf("diffusion: T must be at least 1, got %d", T)
	}
	if !(betaMin > 0) || !(betaMax >= betaMin) || math.IsInf(betaMax, 0) {
		return fmt.Errorf("diffusion: need 0 < beta-min ≤ beta-max < ∞, got beta-min %v, beta-max %v", betaMin, betaMax)
	}
	return nil
}

func build(T int, betaMin, betaMax float64, tp []float64) *Schedule {
	s := &Schedule{T: T, BetaMin: betaMin, BetaMax: betaMax, TPrime: tp}
	variance := func(t float64) float64 {
		return -math.Expm1(-betaMin*t - 0.5*(betaMax-betaMin)*t*t)
	}
	s.Beta = make([]float64, T+1)
	s.AlphaBar = make([]float64, T+1)
	s.Beta[0] = variance(tp[0])
	for i := 1; i <= T; i++ {
		s.Beta[i] = 1 - (1-variance(tp[i]))/(1-variance(tp[i-1]))
	}
	prod := 1.0
	for i, b := range s.Beta {
		prod *= 1 - b
		s.AlphaBar[i] = prod
		s.SqrtAlphaBar = append(s.SqrtAlphaBar, math.Sqrt(prod))
		s.SqrtOneMinusAbar = append(s.SqrtOneMinusAbar, math.Sqrt(1-prod))
		s.SqrtOneMinusBeta = append(s.SqrtOneMinusBeta, math.Sqrt(1-b))
		s.SqrtBeta = append(s.SqrtBeta, math.Sqrt(b))
	}
	for k := 0; k < T; k++ {
		b1, a, a1 := s.Beta[k+1], s.AlphaBar[k], s.AlphaBar[k+1]
		s.PostC1 = append(s.PostC1, b1*math.Sqrt(a)/(1-a1))
		s.PostC2 = append(s.PostC2, (1-a)*math.Sqrt(1-b1)/(1-a1))
		v := b1 * (1 - a) / (1 - a1)
		s.PostVar = append(s.PostVar, v)
		s.LogPostVar = append(s.LogPostVar, math.Log(v))
		s.PostStd = append(s.PostStd, math.Sqrt(v))
	}
	return s
}

// PriorWarning returns a non-empty message when ᾱ_T is far from 0, so that
// x_T still carries the data and the sampling prior N(0, I) does not match
// what the networks saw in training.
func (s *Schedule) PriorWarning() string {
	if s.AlphaBar[s.T] <= 1e-2 {
		return ""
	}
	return fmt.Sprintf("schedule beta-min %g, beta-max %g, T %d leaves ᾱ_T = %.3g: x_T keeps %.0f%% of the data's scale, "+
		"but sampling starts from N(0, I); samples will not match training (use larger beta-max, e.g. 20)",
		s.BetaMin, s.BetaMax, s.T, s.AlphaBar[s.T], 100*math.Sqrt(s.AlphaBar[s.T]))
}
