package metrics_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/metrics"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d)) }

// energyOf turns a per-point log-density into an EnergyFunc.
func energyOf(f func(x, y float64) float64) metrics.EnergyFunc {
	return func(points []float64) ([]float64, error) {
		out := make([]float64, len(points)/2)
		for i := range out {
			out[i] = f(points[2*i], points[2*i+1])
		}
		return out, nil
	}
}

func mustGrid(t *testing.T, e metrics.EnergyFunc, lim float64, n int) metrics.Grid {
	t.Helper()
	g, err := metrics.NewGrid(e, lim, n)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustNLL(t *testing.T, g metrics.Grid, e metrics.EnergyFunc, test []float64) float64 {
	t.Helper()
	nll, err := metrics.GridNLL(g, e, test)
	if err != nil {
		t.Fatal(err)
	}
	return nll
}

// normalEnergy is the log of an unnormalised standard normal density centred
// at (mx, my).
func normalEnergy(mx, my float64) func(x, y float64) float64 {
	return func(x, y float64) float64 { return -((x-mx)*(x-mx) + (y-my)*(y-my)) / 2 }
}

func normalSamples(n int, rng *rand.Rand) []float64 {
	out := make([]float64, 2*n)
	for i := range out {
		out[i] = rng.NormFloat64()
	}
	return out
}

func TestGridNLLOfAStandardNormal(t *testing.T) {
	e := energyOf(normalEnergy(0, 0))
	g := mustGrid(t, e, 6, 300)
	// ∫ exp(−‖x‖²/2) = 2π; the midpoint rule is exact to far below 1e-6 here.
	if math.Abs(g.LogZ-math.Log(2*math.Pi)) > 1e-6 {
		t.Errorf("LogZ = %.8f, want log 2π = %.8f", g.LogZ, math.Log(2*math.Pi))
	}
	// E[−log N(x)] = log 2π + E‖x‖²/2 = log 2π + 1; the per-sample spread is
	// 1, so 100k samples have a standard error of 0.003.
	nll := mustNLL(t, g, e, normalSamples(100000, newRNG(1)))
	if want := math.Log(2*math.Pi) + 1; math.Abs(nll-want) > 0.015 {
		t.Errorf("NLL = %.4f, want %.4f", nll, want)
	}
}

func TestGridNLLOfAUniformEnergy(t *testing.T) {
	const lim = 2.5
	e := energyOf(func(x, y float64) float64 { return 3.7 })
	g := mustGrid(t, e, lim, 50)
	want := math.Log(2 * lim * 2 * lim)
	for _, lp := range g.LogP {
		if math.Abs(lp+want) > 1e-12 {
			t.Fatalf("LogP = %g, want %g", lp, -want)
		}
	}
	test := []float64{0, 0, 1, -2, -2.4, 2.4}
	if nll := mustNLL(t, g, e, test); math.Abs(nll-want) > 1e-12 {
		t.Errorf("NLL = %.12f, want log((2L)²) = %.12f", nll, want)
	}
	if nll := mustNLL(t, g, e, nil); !math.IsNaN(nll) {
		t.Errorf("NLL of no test points = %g, want NaN", nll)
	}
}

func TestGridLayoutAndChunking(t *testing.T) {
	const n, lim = 150, 3.0
	calls, largest := 0, 0
	// E = x + 10y identifies each cell by its centre.
	e := func(points []float64) ([]float64, error) {
		calls++
		largest = max(largest, len(points)/2)
		return energyOf(func(x, y float64) float64 { return x + 10*y })(points)
	}
	g := mustGrid(t, e, lim, n)
	if calls != 3 || largest != 10000 {
		t.Errorf("%d×%d cells took %d calls of at most %d points, want 3 of at most 10000", n, n, calls, largest)
	}
	width := 2 * lim / n
	if g.CellWidth() != width {
		t.Errorf("CellWidth = %g, want %g", g.CellWidth(), width)
	}
	for _, cell := range [][2]int{{0, 0}, {0, n - 1}, {n - 1, 0}, {37, 101}} {
		row, col := cell[0], cell[1]
		x, y := -lim+(float64(col)+0.5)*width, -lim+(float64(row)+0.5)*width
		if got := g.LogP[row*n+col] + g.LogZ; math.Abs(got-(x+10*y)) > 1e-9 {
			t.Errorf("cell row %d col %d: E = %g, want x + 10y at (%g, %g) = %g", row, col, got, x, y, x+10*y)
		}
	}
}

func TestKLGrid(t *testing.T) {
	truth := normalEnergy(0, 0)
	same := mustGrid(t, energyOf(truth), 6, 200)
	if kl := metrics.KLGrid(same, truth); math.Abs(kl) > 1e-12 {
		t.Errorf("KL of a density with itself = %g", kl)
	}
	// KL(N(0, I) ‖ N(μ, I)) = ‖μ‖²/2 = 0.125 for a shift of 0.5.
	shifted := mustGrid(t, energyOf(normalEnergy(0.5, 0)), 6, 200)
	if kl := metrics.KLGrid(shifted, truth); math.Abs(kl-0.125) > 1e-4 {
		t.Errorf("KL against a shift of 0.5 = %.6f, want 0.125", kl)
	}
	// The spec's case: 25-Gaussians' closed form against itself and against a
	// broad normal that covers it.
	logTrue, _ := data.ToyLogDensity("25gaussians")
	lim := data.ToyLimit("25gaussians")
	if kl := metrics.KLGrid(mustGrid(t, energyOf(logTrue), lim, 300), logTrue); math.Abs(kl) > 1e-9 {
		t.Errorf("25gaussians against itself: KL = %g", kl)
	}
	if kl := metrics.KLGrid(mustGrid(t, energyOf(normalEnergy(0, 0)), lim, 300), logTrue); kl < 1 {
		t.Errorf("25gaussians against N(0, I): KL = %g, want well above 0", kl)
	}
}

func TestGridRejectsBadArguments(t *testing.T) {
	e := energyOf(normalEnergy(0, 0))
	short := func(points []float64) ([]float64, error) { return make([]float64, len(points)/2-1), nil }
	g := mustGrid(t, e, 1, 4)
	for name, f := range map[string]func(){
		"zero cells":          func() { metrics.NewGrid(e, 1, 0) },
		"zero limit":          func() { metrics.NewGrid(e, 0, 10) },
		"NaN limit":           func() { metrics.NewGrid(e, math.NaN(), 10) },
		"short energy answer": func() { metrics.NewGrid(short, 1, 10) },
		"odd test slice":      func() { metrics.GridNLL(g, e, []float64{1, 2, 3}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestGridMetricsStopAtTheEnergysError(t *testing.T) {
	failure := errors.New("device lost")
	calls := 0
	failing := func(points []float64) ([]float64, error) {
		calls++
		if calls == 2 {
			return nil, failure
		}
		return make([]float64, len(points)/2), nil
	}
	if _, err := metrics.NewGrid(failing, 1, 200); !errors.Is(err, failure) || calls != 2 {
		t.Errorf("NewGrid: error %v after %d calls, want %v after 2", err, calls, failure)
	}
	g := mustGrid(t, energyOf(normalEnergy(0, 0)), 1, 4)
	calls = 1
	if _, err := metrics.GridNLL(g, failing, make([]float64, 2*30000)); !errors.Is(err, failure) || calls != 2 {
		t.Errorf("GridNLL: error %v after %d calls, want %v after 2", err, calls, failure)
	}
}
