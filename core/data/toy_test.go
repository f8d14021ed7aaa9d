package data

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// points draws n points of a toy set as float64 pairs.
func points(t *testing.T, name string, n int, seed uint64) [][2]float64 {
	t.Helper()
	d, err := Toy(name, n, newRNG(seed))
	if err != nil {
		t.Fatal(err)
	}
	if d.R != n || d.C != 2 {
		t.Fatalf("%s: shape %d×%d, want %d×2", name, d.R, d.C, n)
	}
	out := make([][2]float64, n)
	for i := range out {
		out[i] = [2]float64{float64(d.Data[2*i]), float64(d.Data[2*i+1])}
	}
	return out
}

func TestToyNamesAndUnknownName(t *testing.T) {
	want := []string{"25gaussians", "8gaussians", "checkerboard", "pinwheel", "rings", "swissroll"}
	got := ToyNames()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("ToyNames() = %v, want %v", got, want)
	}
	_, err := Toy("moons", 10, newRNG(1))
	if err == nil {
		t.Fatal("unknown name: no error")
	}
	for _, name := range want {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
	if _, err := Toy("rings", -1, newRNG(1)); err == nil {
		t.Error("negative n: no error")
	}
	if d, err := Toy("rings", 0, newRNG(1)); err != nil || d.R != 0 {
		t.Errorf("n = 0: %v, %v", d, err)
	}
	if ToyLimit("moons") != 0 {
		t.Error("ToyLimit of an unknown name is not 0")
	}
}

func TestToyIsDeterministicForASeed(t *testing.T) {
	for _, name := range ToyNames() {
		a, b, c := points(t, name, 500, 7), points(t, name, 500, 7), points(t, name, 500, 8)
		same := true
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: seed 7 gives different point %d: %v vs %v", name, i, a[i], b[i])
			}
			same = same && a[i] == c[i]
		}
		if same {
			t.Errorf("%s: seeds 7 and 8 give the same points", name)
		}
	}
}

// swissrollMoments integrates the swiss roll's per-coordinate mean and
// standard deviation: t ~ U(1.5π, 4.5π), x = (t cos t + ε)/5, ε ~ N(0, 1).
func swissrollMoments() (mean, std [2]float64) {
	const steps = 200000
	lo, hi := 1.5*math.Pi, 4.5*math.Pi
	var m1, m2 [2]float64
	for i := range steps {
		t := lo + (float64(i)+0.5)*(hi-lo)/steps
		sin, cos := math.Sincos(t)
		for k, v := range [2]float64{t * cos, t * sin} {
			m1[k] += v / steps
			m2[k] += v * v / steps
		}
	}
	for k := range 2 {
		mean[k] = m1[k] / 5
		std[k] = math.Sqrt(m2[k]+1-m1[k]*m1[k]) / 5
	}
	return mean, std
}

func TestToyMomentsMatchTheirDefinitions(t *testing.T) {
	rollMean, rollStd := swissrollMoments()
	// Per-coordinate standard deviations from the definitions: a centre
	// grid's variance plus the noise's, a uniform's width/√12, or half the
	// mean squared radius for rotation-symmetric sets.
	cases := []struct {
		name      string
		mean, std [2]float64
	}{
		{"25gaussians", [2]float64{}, sym(math.Sqrt(8+0.01) / 2.828)},
		{"8gaussians", [2]float64{}, sym(math.Sqrt(16*0.5+0.25) / 1.414)},
		{"pinwheel", [2]float64{}, sym(math.Sqrt(2 * (1 + 0.09 + 0.01)))},
		{"checkerboard", [2]float64{}, sym(8 / math.Sqrt(12))},
		{"rings", [2]float64{}, sym(math.Sqrt(9*(1+0.75*0.75+0.5*0.5+0.25*0.25)/4/2 + 0.08*0.08))},
		{"swissroll", rollMean, rollStd},
	}
	for _, c := range cases {
		pts := points(t, c.name, 200000, 3)
		var sum, sumSq [2]float64
		for _, p := range pts {
			for k := range 2 {
				sum[k] += p[k]
				sumSq[k] += p[k] * p[k]
			}
		}
		n := float64(len(pts))
		for k := range 2 {
			mean := sum[k] / n
			std := math.Sqrt(sumSq[k]/n - mean*mean)
			// 200k samples: the standard error of either is below 0.006.
			if math.Abs(mean-c.mean[k]) > 0.02 || math.Abs(std-c.std[k]) > 0.02 {
				t.Errorf("%s coordinate %d: mean %.4f std %.4f, want %.4f and %.4f", c.name, k, mean, std, c.mean[k], c.std[k])
			}
		}
	}
}

func sym(v float64) [2]float64 { return [2]float64{v, v} }

func TestToyShapes(t *testing.T) {
	t.Run("checkerboard fills the black squares of [−4, 4]²", func(t *testing.T) {
		for _, p := range points(t, "checkerboard", 50000, 4) {
			cellX, cellY := math.Floor(p[0]/2), math.Floor(p[1]/2)
			if math.Abs(p[0]) > 4 || math.Abs(p[1]) > 4 || int(cellX+cellY)%2 != 0 {
				t.Fatalf("point %v is not on a black square", p)
			}
		}
	})
	t.Run("rings lie on four equally likely circles", func(t *testing.T) {
		var counts [4]int
		pts := points(t, "rings", 40000, 5)
		for _, p := range pts {
			r := math.Hypot(p[0], p[1])
			ring := -1
			for k, radius := range ringsRadii {
				if math.Abs(r-ringsScale*radius) < 5*ringsNoiseStd {
					ring = k
				}
			}
			if ring < 0 {
				t.Fatalf("point %v (radius %.3f) is on no ring", p, r)
			}
			counts[ring]++
		}
		for k, c := range counts {
			if math.Abs(float64(c)/float64(len(pts))-0.25) > 0.015 {
				t.Errorf("ring %d holds %d of %d points", k, c, len(pts))
			}
		}
	})
	t.Run("pinwheel has five arms where sample_toy puts them", func(t *testing.T) {
		// At radius 2 (radial feature 1, tangential 0) arm k points at
		// −(72°·k + 0.25·e rad): its points fill a few neighbouring ten-degree
		// sectors, with empty sectors between the arms.
		var sectors [36]int
		for _, p := range points(t, "pinwheel", 20000, 6) {
			if r := math.Hypot(p[0], p[1]); math.Abs(r-2) < 0.05 {
				sectors[sectorOf(math.Atan2(p[1], p[0]))]++
			}
		}
		runs := 0
		for i, c := range sectors {
			if c > 5 && sectors[(i+35)%36] <= 5 {
				runs++
			}
		}
		if runs != 5 {
			t.Errorf("%d groups of occupied sectors at radius 2, want 5: %v", runs, sectors)
		}
		for k := range 5 {
			if s := sectorOf(-(2*math.Pi*float64(k)/5 + 0.25*math.E)); sectors[s] < 50 {
				t.Errorf("arm %d: sector %d holds only %d points: %v", k, s, sectors[s], sectors)
			}
		}
	})
}

// sectorOf is the ten-degree sector, 0..35 counter-clockwise from the +x
// axis, that holds the angle (radians).
func sectorOf(angle float64) int {
	turns := angle / (2 * math.Pi)
	return int((turns - math.Floor(turns)) * 36)
}

func TestToyLimitHoldsTheData(t *testing.T) {
	for _, name := range ToyNames() {
		limit := ToyLimit(name)
		outside := 0
		pts := points(t, name, 200000, 9)
		for _, p := range pts {
			if math.Abs(p[0]) > limit || math.Abs(p[1]) > limit {
				outside++
			}
		}
		if frac := float64(outside) / float64(len(pts)); frac > 1e-4 {
			t.Errorf("%s: %.2e of the points lie outside [−%g, %g]²", name, frac, limit, limit)
		}
	}
	if ToyLimit("25gaussians") != 3.5 {
		t.Errorf("25gaussians limit %g, the spec says 3.5", ToyLimit("25gaussians"))
	}
}

func TestToyLogDensityOnlyForMixtures(t *testing.T) {
	for _, name := range ToyNames() {
		_, ok := ToyLogDensity(name)
		if want := name == "25gaussians" || name == "8gaussians"; ok != want {
			t.Errorf("ToyLogDensity(%q) ok = %v, want %v", name, ok, want)
		}
	}
	if _, ok := ToyLogDensity("moons"); ok {
		t.Error("ToyLogDensity of an unknown name is ok")
	}
}

func TestToyLogDensityIntegratesToOne(t *testing.T) {
	for _, name := range []string{"25gaussians", "8gaussians"} {
		logDensity, _ := ToyLogDensity(name)
		limit := ToyLimit(name)
		const n = 700
		cell := 2 * limit / n
		mass := 0.0
		for i := range n {
			for j := range n {
				mass += math.Exp(logDensity(-limit+(float64(j)+0.5)*cell, -limit+(float64(i)+0.5)*cell)) * cell * cell
			}
		}
		if math.Abs(mass-1) > 1e-3 {
			t.Errorf("%s: density integrates to %.5f on [−%g, %g]²", name, mass, limit, limit)
		}
	}
}

// histogramDistance is the total-variation distance between a histogram of
// pts on a bins×bins grid over [−limit, limit]² and the bin masses of
// exp(logDensity), together with the distance that sampling noise alone
// would give on average, Σ √(2 m(1−m)/(πn))/2 over the bin masses m.
func histogramDistance(pts [][2]float64, logDensity func(x, y float64) float64, limit float64, bins int) (distance, noise float64) {
	width := 2 * limit / float64(bins)
	counts := make([]float64, bins*bins)
	for _, p := range pts {
		i, j := int((p[1]+limit)/width), int((p[0]+limit)/width)
		if i >= 0 && i < bins && j >= 0 && j < bins {
			counts[i*bins+j]++
		}
	}
	n := float64(len(pts))
	const sub = 5 // midpoint rule inside each bin
	for i := range bins {
		for j := range bins {
			mass := 0.0
			for a := range sub {
				for b := range sub {
					x := -limit + (float64(j)+(float64(b)+0.5)/sub)*width
					y := -limit + (float64(i)+(float64(a)+0.5)/sub)*width
					mass += math.Exp(logDensity(x, y)) * width * width / (sub * sub)
				}
			}
			distance += math.Abs(counts[i*bins+j]/n-mass) / 2
			noise += math.Sqrt(2*mass*(1-mass)/(math.Pi*n)) / 2
		}
	}
	return distance, noise
}

func TestToyLogDensityMatchesSamples(t *testing.T) {
	for _, c := range []struct {
		name    string
		mixture *gaussianMixture
	}{{"25gaussians", gaussians25}, {"8gaussians", gaussians8}} {
		logDensity, _ := ToyLogDensity(c.name)
		pts := points(t, c.name, 100000, 10)
		// Bins about one σ wide, so that a wrong width shows.
		bins := int(2 * ToyLimit(c.name) / c.mixture.sigma)
		d, noise := histogramDistance(pts, logDensity, ToyLimit(c.name), bins)
		if d > 1.5*noise {
			t.Errorf("%s: histogram is %.4f from the closed-form density, sampling noise alone gives %.4f", c.name, d, noise)
		}
		// The comparison has teeth: a mixture 1.3 times too wide is far off.
		wide := &gaussianMixture{centres: c.mixture.centres, sigma: 1.3 * c.mixture.sigma}
		if d, noise := histogramDistance(pts, wide.logDensity, ToyLimit(c.name), bins); d < 3*noise {
			t.Errorf("%s: histogram is only %.4f from a mixture with σ ×1.3 (noise %.4f)", c.name, d, noise)
		}
	}
}

func TestMixtureComponentsMatchSampledClusters(t *testing.T) {
	for _, c := range []struct {
		name    string
		mixture *gaussianMixture
	}{{"25gaussians", gaussians25}, {"8gaussians", gaussians8}} {
		m := c.mixture
		pts := points(t, c.name, 200000, 11)
		k := len(m.centres)
		sums := make([][2]float64, k)
		sumSq := make([]float64, k)
		counts := make([]int, k)
		for _, p := range pts {
			nearest, best := 0, math.Inf(1)
			for j, centre := range m.centres {
				if d := math.Hypot(p[0]-centre[0], p[1]-centre[1]); d < best {
					nearest, best = j, d
				}
			}
			sums[nearest][0] += p[0]
			sums[nearest][1] += p[1]
			sumSq[nearest] += best * best
			counts[nearest]++
		}
		for j, centre := range m.centres {
			n := float64(counts[j])
			if math.Abs(n/float64(len(pts))-1/float64(k)) > 0.01 {
				t.Errorf("%s component %d: weight %.4f, want %.4f", c.name, j, n/float64(len(pts)), 1/float64(k))
			}
			mean := [2]float64{sums[j][0] / n, sums[j][1] / n}
			if math.Hypot(mean[0]-centre[0], mean[1]-centre[1]) > 0.02*m.sigma+0.01 {
				t.Errorf("%s component %d: sampled mean %v, centre %v", c.name, j, mean, centre)
			}
			// Mean squared distance to the centre of a 2-D N(c, σ²I) is 2σ².
			if spread := math.Sqrt(sumSq[j] / n / 2); math.Abs(spread-m.sigma) > 0.03*m.sigma {
				t.Errorf("%s component %d: sampled σ %.4f, want %.4f", c.name, j, spread, m.sigma)
			}
		}
	}
	// The closed form peaks at a centre: 25gaussians' components are so
	// narrow that the others contribute nothing there.
	logDensity, _ := ToyLogDensity("25gaussians")
	centre := gaussians25.centres[7]
	peak := -math.Log(25 * 2 * math.Pi * gaussians25.sigma * gaussians25.sigma)
	if got := logDensity(centre[0], centre[1]); math.Abs(got-peak) > 1e-9 {
		t.Errorf("log-density at a centre %.6f, want %.6f", got, peak)
	}
	if centre != [2]float64{-2 / 2.828, 0} {
		t.Errorf("centre 7 is %v, want (−2, 0)/2.828 in sample_toy's order", centre)
	}
}
