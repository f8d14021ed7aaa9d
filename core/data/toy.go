package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// toy describes one 2-D toy set.
type toy struct {
	// sample draws one point; every set is i.i.d. per point, so a batch of n
	// is n calls and a fixed seed gives the same batch on every platform.
	sample func(rng *rand.Rand) (x, y float64)
	// limit is the half-width L of the square [−L, L]² that the density grid
	// covers; chosen by sampling so that at most about 1e-4 of the mass lies
	// outside (see TestToyLimitHoldsTheData).
	limit float64
	// mixture is set for sets with a closed-form density.
	mixture *gaussianMixture
}

var toys = map[string]toy{
	"25gaussians":  {sample: gaussians25.sample, limit: 3.5, mixture: gaussians25},
	"8gaussians":   {sample: gaussians8.sample, limit: 4.5, mixture: gaussians8},
	"pinwheel":     {sample: samplePinwheel, limit: 4.5},
	"swissroll":    {sample: sampleSwissroll, limit: 4},
	"checkerboard": {sample: sampleCheckerboard, limit: 4},
	"rings":        {sample: sampleRings, limit: 4},
}

// ToyNames lists the toy sets Toy knows, sorted.
func ToyNames() []string {
	names := make([]string, 0, len(toys))
	for name := range toys {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Toy draws n points of the named toy set as an n×2 matrix.
func Toy(name string, n int, rng *rand.Rand) (*tensor.Dense, error) {
	t, ok := toys[name]
	if !ok {
		return nil, fmt.Errorf("data: unknown toy set %q (known: %s)", name, strings.Join(ToyNames(), ", "))
	}
	if n < 0 {
		return nil, fmt.Errorf("data: toy set %q: negative sample count %d", name, n)
	}
	if err := memlimit.Check(fmt.Sprintf("data: %d points of toy set %q", n, name), float64(n)*2*float64(unsafe.Sizeof(tensor.Float(0)))); err != nil {
		return nil, err
	}
	out := tensor.New(n, 2)
	for i := range n {
		x, y := t.sample(rng)
		out.Data[2*i] = tensor.Float(x)
		out.Data[2*i+1] = tensor.Float(y)
	}
	return out, nil
}

// ToyLimit is the half-width L of a square [−L, L]² that holds essentially
// all of the named set (the grid for density evaluation); 0 for an unknown
// name.
func ToyLimit(name string) float64 {
	return toys[name].limit
}

// ToyLogDensity returns the closed-form log-density of the named set, in the
// same coordinates Toy samples in, and whether the set has one (only the
// Gaussian mixtures do).
func ToyLogDensity(name string) (func(x, y float64) float64, bool) {
	t, ok := toys[name]
	if !ok || t.mixture == nil {
		return nil, false
	}
	return t.mixture.logDensity, true
}

// gaussianMixture is an equal-weight mixture of isotropic Gaussians.
type gaussianMixture struct {
	centres [][2]float64
	sigma   float64
}

// gaussians25 is sample_toy's 25gaussians: centres 2·{−2..2}², σ 0.1, all
// divided by 2.828 so each coordinate has a standard deviation of about 1.
var gaussians25 = func() *gaussianMixture {
	const scale = 2.828
	m := &gaussianMixture{sigma: 0.1 / scale}
	for i := -2; i <= 2; i++ {
		for j := -2; j <= 2; j++ {
			m.centres = append(m.centres, [2]float64{2 * float64(i) / scale, 2 * float64(j) / scale})
		}
	}
	return m
}()

// gaussians8 is FFJORD's 8gaussians: the unit circle at multiples of 45°
// scaled by 4, noise σ 0.5, all divided by 1.414.
var gaussians8 = func() *gaussianMixture {
	const scale = 1.414
	m := &gaussianMixture{sigma: 0.5 / scale}
	for k := range 8 {
		angle := float64(k) * math.Pi / 4
		m.centres = append(m.centres, [2]float64{4 * math.Cos(angle) / scale, 4 * math.Sin(angle) / scale})
	}
	return m
}()

func (m *gaussianMixture) sample(rng *rand.Rand) (x, y float64) {
	c := m.centres[rng.IntN(len(m.centres))]
	return c[0] + m.sigma*rng.NormFloat64(), c[1] + m.sigma*rng.NormFloat64()
}

func (m *gaussianMixture) logDensity(x, y float64) float64 {
	// log((1/K) Σ_k N(x; c_k, σ²I)), as a log-sum-exp so that points far
	// from every centre still get a finite value.
	maxExponent := math.Inf(-1)
	exponents := make([]float64, len(m.centres))
	for k, c := range m.centres {
		dx, dy := x-c[0], y-c[1]
		exponents[k] = -(dx*dx + dy*dy) / (2 * m.sigma * m.sigma)
		maxExponent = max(maxExponent, exponents[k])
	}
	sum := 0.0
	for _, e := range exponents {
		sum += math.Exp(e - maxExponent)
	}
	return maxExponent + math.Log(sum) - math.Log(float64(len(m.centres))) - math.Log(2*math.Pi*m.sigma*m.sigma)
}

// samplePinwheel is sample_toy's pinwheel: five arms, radial σ 0.3 around 1,
// tangential σ 0.1, each point rotated by its arm's angle plus
// 0.25·exp(radial), then doubled.
func samplePinwheel(rng *rand.Rand) (x, y float64) {
	const (
		radialStd     = 0.3
		tangentialStd = 0.1
		arms          = 5
		rate          = 0.25
	)
	radial := 1 + radialStd*rng.NormFloat64()
	tangential := tangentialStd * rng.NormFloat64()
	angle := 2*math.Pi*float64(rng.IntN(arms))/arms + rate*math.Exp(radial)
	sin, cos := math.Sincos(angle)
	// The row vector (radial, tangential) times [[cos, −sin], [sin, cos]].
	return 2 * (radial*cos + tangential*sin), 2 * (-radial*sin + tangential*cos)
}

// sampleSwissroll is sample_toy's swissroll: t ~ U(1.5π, 4.5π), the point
// (t cos t, t sin t) plus unit Gaussian noise, divided by 5.
func sampleSwissroll(rng *rand.Rand) (x, y float64) {
	t := 1.5 * math.Pi * (1 + 2*rng.Float64())
	sin, cos := math.Sincos(t)
	return (t*cos + rng.NormFloat64()) / 5, (t*sin + rng.NormFloat64()) / 5
}

// sampleCheckerboard is FFJORD's checkerboard: x1 ~ U(−2, 2), x2 on the two
// unit squares of the column that make a checkerboard with x1, both doubled.
// FFJORD's scale is kept as is: the data already fill exactly [−4, 4]².
func sampleCheckerboard(rng *rand.Rand) (x, y float64) {
	x1 := 4*rng.Float64() - 2
	x2 := rng.Float64() - 2*float64(rng.IntN(2))
	// Python's floor(x1) % 2 is 0 or 1 also for negative x1; math.Mod keeps
	// the sign of its argument, hence the absolute value.
	x2 += math.Abs(math.Mod(math.Floor(x1), 2))
	return 2 * x1, 2 * x2
}

// Rings: FFJORD's four concentric circles with radii 1, 0.75, 0.5 and 0.25,
// scaled by 3, with N(0, 0.08²) noise on each coordinate.
const (
	ringsScale    = 3.0
	ringsNoiseStd = 0.08
)

var ringsRadii = [4]float64{1, 0.75, 0.5, 0.25}

// sampleRings draws the ring and the angle at random per point, where FFJORD
// gives each ring a quarter of the batch at evenly spaced angles: the same
// distribution, but i.i.d. samples, which the test-NLL and MMD assume.
func sampleRings(rng *rand.Rand) (x, y float64) {
	radius := ringsScale * ringsRadii[rng.IntN(len(ringsRadii))]
	sin, cos := math.Sincos(2 * math.Pi * rng.Float64())
	return radius*cos + ringsNoiseStd*rng.NormFloat64(), radius*sin + ringsNoiseStd*rng.NormFloat64()
}
