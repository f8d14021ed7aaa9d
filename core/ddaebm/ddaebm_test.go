package ddaebm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

func smallConfig() Config {
	cfg := DefaultToyConfig("25gaussians")
	cfg.Hidden = 8
	cfg.Batch = 6
	cfg.Seed = 3
	return cfg
}

func newModel(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomMatrix(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float(rng.NormFloat64())
	}
	return d
}

// The energy loss, gradient penalty included, has exactly the gradient
// that finite differences of the loss give, for every energy parameter.
// This is the test of the double backpropagation through the energy.
// Every penalty site (Config.PenaltyAt) is checked the same way.
func TestEnergyLossGradientIsExact(t *testing.T) {
	for _, site := range PenaltySites {
		t.Run(string(site), func(t *testing.T) {
			cfg := smallConfig()
			cfg.Gamma = 0.5 // large, so the penalty's share of the gradient is visible
			cfg.PenaltyAt = site
			m := newModel(t, cfg)
			rng := rand.New(rand.NewPCG(1, 2))
			xk, xk1, fake := randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2)
			k := []int{0, 1, 2, 3, 1, 0}
			ex := m.drawEnergyExtras(&batchScratch{k: k, xk: xk})
			if ex.mix != nil {
				// Fixed weights: drawn ones put an interpolate within
				// float32's finite-difference step of a PReLU's kink,
				// where differences are not derivatives.
				copy(ex.mix.Data, []tensor.Float{0.2, 0.7, 0.5, 0.9, 0.4, 0.6})
			}
			if st := checkEnergyLossGradient(t, m, xk, xk1, fake, k, ex); st.Penalty <= 0 {
				t.Fatalf("penalty %v, want > 0", st.Penalty)
			}
		})
	}
}

// checkEnergyLossGradient compares the gradient of energyLoss with respect
// to every energy parameter with central differences of the loss.
func checkEnergyLossGradient(t *testing.T, m *Model, xk, xk1, fake *tensor.Dense, k []int, ex energyExtras) StepStats {
	t.Helper()
	lossAt := func() float64 {
		var st StepStats
		return float64(m.energyLoss(autograd.NewGraph(), xk, xk1, fake, k, ex, &st).Value.Data[0])
	}
	m.OptE.ZeroGrad()
	g := autograd.NewGraph()
	var st StepStats
	g.Backward(m.energyLoss(g, xk, xk1, fake, k, ex, &st), m.OptE.Params)
	checked := 0
	for _, p := range m.OptE.Params {
		for j := range p.Value.Data {
			v := p.Value.Data[j]
			p.Value.Data[j] = v + autograd.FDStep
			up := lossAt()
			p.Value.Data[j] = v - autograd.FDStep
			down := lossAt()
			p.Value.Data[j] = v
			numeric := (up - down) / (2 * autograd.FDStep)
			if a := float64(p.Grad.Data[j]); math.Abs(a-numeric) > autograd.FDTol*math.Max(1, math.Abs(numeric)) {
				t.Fatalf("%s[%d]: analytic %.8g, finite differences %.8g", p.Name, j, a, numeric)
			}
			checked++
		}
	}
	t.Logf("checked %d parameters", checked)
	return st
}

// Without the second-order term the parameter gradient would differ: the
// penalty really reaches the energy's weights.
func TestPenaltyChangesParameterGradient(t *testing.T) {
	cfg := smallConfig()
	m := newModel(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	xk, xk1, fake := randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2), randomMatrix(rng, 6, 2)
	k := []int{0, 1, 2, 3, 1, 0}
	grads := func(gamma float64) []float64 {
		m.Config.Gamma = gamma
		m.OptE.ZeroGrad()
		g := autograd.NewGraph()
		var st StepStats
		g.Backward(m.energyLoss(g, xk, xk1, fake, k, energyExtras{}, &st), m.OptE.Params)
		var out []float64
		for _, p := range m.OptE.Params {
			for _, v := range p.Grad.Data {
				out = append(out, float64(v))
			}
		}
		return out
	}
	with, without := grads(1), grads(0)
	var diff float64
	for i := range with {
		diff = math.Max(diff, math.Abs(with[i]-without[i]))
	}
	if diff < 1e-4 {
		t.Fatalf("the penalty changed no parameter gradient by more than %g", diff)
	}
}

func TestAblationsTrainAndDropTheirTerms(t *testing.T) {
	for _, a := range Ablations {
		t.Run(string(a), func(t *testing.T) {
			cfg := smallConfig()
			cfg.Ablation = a
			m := newModel(t, cfg)
			before := nn.Params(m.Encoder)[0].Value.Clone()
			x, _ := data.Toy("25gaussians", cfg.Batch, rand.New(rand.NewPCG(5, 5)))
			st, err := m.TrainStep(x)
			if err != nil {
				t.Fatal(err)
			}
			if (a == KLOnly || a == NoEncoder) != (st.L2 == 0) {
				t.Errorf("L2 = %v for %s", st.L2, a)
			}
			encoderMoved := false
			for i, v := range nn.Params(m.Encoder)[0].Value.Data {
				encoderMoved = encoderMoved || v != before.Data[i]
			}
			if encoderMoved != (a == Full || a == KLOnly) {
				t.Errorf("%s: encoder weights moved = %v", a, encoderMoved)
			}
		})
	}
}

func TestTrainStepRejectsBadBatches(t *testing.T) {
	m := newModel(t, smallConfig())
	if _, err := m.TrainStep(tensor.New(6, 3)); err == nil || !strings.Contains(err.Error(), "want") {
		t.Errorf("3-column batch: %v", err)
	}
	x := tensor.New(6, 2)
	x.Data[3] = tensor.Float(math.NaN())
	if _, err := m.TrainStep(x); err == nil || !strings.Contains(err.Error(), "loss") {
		t.Errorf("NaN batch: %v", err)
	}
	if _, err := NewArraySource(x); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN data set accepted: %v", err)
	}
}

// Data beyond ±MaxDataMagnitude are refused as out of range where a data
// set is accepted, rather than failing the first step with a loss
// overflow blamed on the learning rate; data at the bound train.
func TestArraySourceRefusesDataOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		value float64
		ok    bool
	}{{255, true}, {-MaxDataMagnitude, true}, {1e30, false}, {-2 * MaxDataMagnitude, false}} {
		x := randomMatrix(rand.New(rand.NewPCG(1, 2)), 64, 2)
		x.Data[5] = tensor.Float(tc.value)
		src, err := NewArraySource(x)
		if !tc.ok {
			if err == nil || !strings.Contains(err.Error(), "row 2, column 1, out of the range") {
				t.Errorf("value %g: %v; want it refused as out of range at row 2, column 1", tc.value, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("value %g refused: %v", tc.value, err)
		}
		cfg := smallConfig()
		cfg.Batch = 64
		m := newModel(t, cfg)
		if _, err := m.Train(context.Background(), src, TrainOptions{Iters: 3}); err != nil {
			t.Errorf("value %g: %v", tc.value, err)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	for _, mutate := range []func(*Config){
		func(c *Config) { c.T = 0 },
		func(c *Config) { c.LR = -1 },
		func(c *Config) { c.Gamma = math.NaN() },
		func(c *Config) { c.Batch = 1 },
		func(c *Config) { c.Ablation = "nope" },
		func(c *Config) { c.Schedule = "cosine" },
		func(c *Config) { c.BetaMax = 0.01 },
		func(c *Config) { c.EnergyEMA = 1 },
		func(c *Config) { c.EnergyEMA = -0.5 },
	} {
		c := DefaultToyConfig("25gaussians")
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	c := DefaultToyConfig("x.npy")
	back, err := ParseConfig(c.JSON())
	if err != nil || back != c {
		t.Fatalf("JSON round trip: %v, %+v", err, back)
	}
	if _, err := ParseConfig([]byte(`{"T": 4, "bogus": 1}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
}

// Data must name a data set: a toy set, an MNIST set, a .npy file (which
// need not exist) or nothing (arrays given to training); a typo is
// refused with the names known. Checkpoints load whatever they hold.
func TestConfigData(t *testing.T) {
	for _, name := range []string{"", "pinwheel", MNISTData, StackedMNISTData, "/no/such/dir/x.npy"} {
		c := DefaultToyConfig(name)
		if err := c.Validate(); err != nil {
			t.Errorf("data %q: %v", name, err)
		}
	}
	for _, name := range []string{"nonsense", "25gausians", "x.csv"} {
		c := DefaultToyConfig(name)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("data %q is not a toy set (%s)", name, strings.Join(data.ToyNames(), ", "))) {
			t.Errorf("data %q: %v; want it refused with the toy sets named", name, err)
		}
	}
	m := newModel(t, smallConfig())
	m.Config.Data = "images from an older version"
	path := filepath.Join(t.TempDir(), "ckpt.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	if loaded, err := Load(path); err != nil || loaded.Config.Data != m.Config.Data {
		t.Errorf("checkpoint with data %q: %v", m.Config.Data, err)
	}
}

// Python's json writes non-finite floats as NaN, Infinity and -Infinity:
// such a setting is reported by Validate, naming it, not as bad JSON.
func TestParseConfigReportsNonFiniteSettings(t *testing.T) {
	cfg := DefaultToyConfig("pinwheel")
	base := string(cfg.JSON())
	for _, c := range []struct{ replace, with, msg string }{
		{`"lr": 0.0001`, `"lr": NaN`, "lr must be a finite number > 0, got NaN"},
		{`"gamma": 0.02`, `"gamma":Infinity`, "gamma must be a finite number ≥ 0, got +Inf"},
		{`"beta_min": 0.1`, `"beta_min": -Infinity`, "got beta-min -Inf"},
		{`"T": 4`, `"T": NaN`, "T takes a value of type int, got NaN"},
		{`"data": "pinwheel"`, `"data": "NaN Infinity"`, `data "NaN Infinity" is not a toy set`},
		{`"lr": 0.0001`, `"lr": [NaN]`, "invalid character 'N'"},
	} {
		text := strings.Replace(base, c.replace, c.with, 1)
		if text == base {
			t.Fatalf("%s is not in %s", c.replace, base)
		}
		if _, err := ParseConfig([]byte(text)); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v; want an error mentioning %q", c.with, err, c.msg)
		}
	}
}

func TestSampleIsReproducible(t *testing.T) {
	m := newModel(t, smallConfig())
	a, _ := m.Sample(context.Background(), 5000, rand.New(rand.NewPCG(1, 1)))
	b, _ := m.Sample(context.Background(), 5000, rand.New(rand.NewPCG(1, 1)))
	if a.R != 5000 || a.C != 2 {
		t.Fatalf("shape %v", a)
	}
	for i := range a.Data {
		if a.Data[i] != b.Data[i] || math.IsNaN(float64(a.Data[i])) {
			t.Fatalf("sample %d differs or is NaN: %v %v", i, a.Data[i], b.Data[i])
		}
	}
	if _, err := m.Sample(context.Background(), 0, nil); err == nil {
		t.Fatal("Sample(0) accepted")
	}
	if _, err := m.EnergyAt(context.Background(), tensor.New(3, 3), 0); err == nil {
		t.Fatal("EnergyAt accepted 3 columns")
	}
	if _, err := m.EnergyAt(context.Background(), tensor.New(3, 2), 4); err == nil {
		t.Fatal("EnergyAt accepted k = T")
	}
}

// A model saved and loaded continues exactly as the original does.
func TestCheckpointResumeIsExact(t *testing.T) {
	cfg := smallConfig()
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.npz")
	src, _ := NewToySource("25gaussians")
	a := newModel(t, cfg)
	if _, err := a.Train(context.Background(), src, TrainOptions{Iters: 5, CheckpointPath: path}); err != nil {
		t.Fatal(err)
	}
	b, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Step != 5 {
		t.Fatalf("loaded step %d, want 5", b.Step)
	}
	for _, m := range []*Model{a, b} {
		if _, err := m.Train(context.Background(), src, TrainOptions{Iters: 9}); err != nil {
			t.Fatal(err)
		}
	}
	sa, sb := a.state(), b.state()
	for i := range sa {
		for j := range sa[i].value.Data {
			if sa[i].value.Data[j] != sb[i].value.Data[j] {
				t.Fatalf("%s[%d] differs after resuming: %v vs %v", sa[i].name, j, sa[i].value.Data[j], sb[i].value.Data[j])
			}
		}
	}
}

// With Config.EnergyEMA the model keeps an average of the energy's
// weights: it follows the EMA rule, scores use it unless told otherwise,
// scoring leaves the trained weights in place, and a checkpoint carries
// it.
func TestEnergyAverageScores(t *testing.T) {
	cfg := smallConfig()
	cfg.EnergyEMA = 0.9
	m := newModel(t, cfg)
	w0 := nn.Params(m.Energy)[0].Value.Clone()
	src, _ := NewToySource("25gaussians")
	ctx := context.Background()
	if _, err := m.Train(ctx, src, TrainOptions{Iters: 1}); err != nil {
		t.Fatal(err)
	}
	w1 := nn.Params(m.Energy)[0].Value
	for i, got := range m.EnergyEMA.Shadow[0].Data {
		want := 0.9*float64(w0.Data[i]) + 0.1*float64(w1.Data[i])
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Fatalf("average[%d] = %v after one step, want 0.9·%v + 0.1·%v", i, got, w0.Data[i], w1.Data[i])
		}
	}
	path := filepath.Join(t.TempDir(), "ckpt.npz")
	if _, err := m.Train(ctx, src, TrainOptions{Iters: 30, CheckpointPath: path}); err != nil {
		t.Fatal(err)
	}
	x := randomMatrix(rand.New(rand.NewPCG(1, 1)), 7, 2)
	live := nn.Params(m.Energy)[0].Value.Clone()
	averaged, err := m.EnergyAt(ctx, x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.ScoringWeights() != AveragedWeights {
		t.Fatalf("scoring weights %q, want %q by default", m.ScoringWeights(), AveragedWeights)
	}
	if !slices.Equal(live.Data, nn.Params(m.Energy)[0].Value.Data) {
		t.Fatal("scoring with the average left the averaged weights in the network")
	}
	m.ScoreWeights = LastWeights
	last, err := m.EnergyAt(ctx, x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(averaged, last) {
		t.Fatal("the averaged and the last weights give the same energies")
	}

	// The checkpoint's average, put into the network by hand, scores as
	// the averaged weights did.
	b, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.EnergyEMA == nil {
		t.Fatal("the checkpoint lost the energy's average")
	}
	for i, p := range nn.Params(b.Energy) {
		p.Value.CopyFrom(b.EnergyEMA.Shadow[i])
	}
	b.ScoreWeights = LastWeights
	byHand, err := b.EnergyAt(ctx, x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byHand, averaged) {
		t.Fatalf("the checkpoint's average scores %v, the model's %v", byHand, averaged)
	}
}

// The grid NLL's grid holds every test point: it grows by halves past the
// requested half-width where a point lies outside, and scores exactly as
// metrics.GridNLL on that grid.
func TestGridNLLHoldsTheTestPoints(t *testing.T) {
	for _, c := range []struct {
		lim    float64
		points []float64
		want   float64
	}{
		{3.5, []float64{1, -2, 3.5, 0}, 3.5},
		{3.5, []float64{1, -3.6}, 4},
		{3.5, []float64{4.01, 0}, 4.5},
		{4, []float64{-9.2, 0}, 9.5},
	} {
		if got := HoldingLimit(c.lim, c.points); got != c.want {
			t.Errorf("HoldingLimit(%v, %v) = %v, want %v", c.lim, c.points, got, c.want)
		}
	}
	m := newModel(t, smallConfig())
	ctx := context.Background()
	test := tensor.FromSlice(3, 2, []tensor.Float{0, 0, 1, -1, 0.5, -4.2})
	nll, g, err := m.GridNLL(ctx, test, 3.5, 40)
	if err != nil {
		t.Fatal(err)
	}
	if g.Lim != 4.5 {
		t.Fatalf("grid half-width %v for a point at −4.2 and lim 3.5, want 4.5", g.Lim)
	}
	g2, err := m.DensityGrid(ctx, 4.5, 40)
	if err != nil {
		t.Fatal(err)
	}
	want, err := metrics.GridNLL(g2, m.EnergyFunc(ctx), test.Float64s())
	if err != nil || nll != want {
		t.Fatalf("grid NLL %v, want %v (%v)", nll, want, err)
	}
}

// A damaged checkpoint is either refused or, where the damage hit bytes
// that carry no state (zip timestamps), loads to exactly the saved state:
// never silently different numbers.
func TestCorruptCheckpointIsRejected(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.npz")
	m := newModel(t, smallConfig())
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	refused := 0
	for off := 0; off < len(good); off += len(good)/97 + 1 {
		bad := append([]byte(nil), good...)
		bad[off] ^= 0x5a
		os.WriteFile(path, bad, 0o644)
		loaded, err := Load(path)
		if err != nil {
			refused++
			continue
		}
		want, got := m.state(), loaded.state()
		for i := range want {
			for j := range want[i].value.Data {
				if want[i].value.Data[j] != got[i].value.Data[j] {
					t.Fatalf("byte %d flipped: %s[%d] loaded as %v, saved %v", off, want[i].name, j, got[i].value.Data[j], want[i].value.Data[j])
				}
			}
		}
	}
	if refused == 0 {
		t.Fatal("no damaged checkpoint was refused")
	}
	for name, content := range map[string][]byte{"truncated": good[:len(good)*2/3], "empty": nil} {
		os.WriteFile(path, content, 0o644)
		if _, err := Load(path); err == nil {
			t.Errorf("%s checkpoint loaded", name)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.npz")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing checkpoint: %v", err)
	}
}

// Checkpoints written by Save itself, checksums valid, that hold a
// non-finite number or a negative step count anywhere are refused, naming
// the array and the position: loaded, they would sample NaN.
func TestLoadRefusesNonFiniteState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.npz")
	// Each damages a fresh model and returns what the error must say.
	for _, damage := range []func(m *Model) string{
		func(m *Model) string {
			m.OptE.Params[0].Value.Data[3] = tensor.Float(math.NaN())
			return fmt.Sprintf("array %q holds NaN at row 0, column 3", m.OptE.Params[0].Name)
		},
		func(m *Model) string {
			v := m.OptG.V[0]
			v.Data[len(v.Data)-1] = tensor.Float(math.Inf(1))
			return fmt.Sprintf("array %q holds +Inf at row %d, column %d", "adam/v/"+m.OptG.Params[0].Name, v.R-1, v.C-1)
		},
		func(m *Model) string {
			b := m.Buffers()[0]
			b.Value.Data[0] = tensor.Float(math.Inf(-1))
			return fmt.Sprintf("array %q holds -Inf at row 0, column 0", b.Name)
		},
		func(m *Model) string {
			m.OptE.Step = -1
			return "negative step counts"
		},
	} {
		m := newModel(t, smallConfig())
		msg := damage(m)
		if err := m.Save(path); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Load gave %v; want an error mentioning %q", err, msg)
		}
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// Training for real: after a short run the energy prefers the data to
// uniform noise and the samples are far closer to the data than noise is.
// One short adversarial run is a noisy outcome: over seeds 0–3 the
// samples' MMD ranged from 0.013 to 0.19 of uniform noise's, so the
// medians of three seeds are judged, and "far closer" is at most a
// quarter of noise's MMD (a single seed against a tenth passed or failed
// with the seed).
func TestTrainingLearnsTheData(t *testing.T) {
	if testing.Short() || float64Build {
		t.Skip("trains for a few seconds; runs in the float32 build without -short")
	}
	var gaps, mmdRatios []float64
	for seed := uint64(0); seed < 3; seed++ {
		gap, ratio := trainAndJudge(t, seed)
		gaps, mmdRatios = append(gaps, gap), append(mmdRatios, ratio)
	}
	slices.Sort(gaps)
	slices.Sort(mmdRatios)
	if gaps[1] < 1 {
		t.Errorf("median energy gap data − uniform %.3f (of %.3f); want ≥ 1", gaps[1], gaps)
	}
	if mmdRatios[1] > 0.25 {
		t.Errorf("median sample MMD is %.3f of uniform noise's (of %.3f); want ≤ 0.25", mmdRatios[1], mmdRatios)
	}
}

// trainAndJudge trains a small 8gaussians model and returns mean E on
// data minus mean E on uniform noise, and the samples' MMD to the data
// over uniform noise's.
func trainAndJudge(t *testing.T, seed uint64) (gap, mmdRatio float64) {
	cfg := DefaultToyConfig("8gaussians")
	cfg.Hidden = 64
	cfg.LR = 1e-3
	cfg.Seed = seed
	m := newModel(t, cfg)
	src, _ := NewToySource("8gaussians")
	if _, err := m.Train(context.Background(), src, TrainOptions{Iters: 1500}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	x, _ := data.Toy("8gaussians", 2000, rng)
	lim := data.ToyLimit("8gaussians")
	u := tensor.New(2000, 2)
	for i := range u.Data {
		u.Data[i] = tensor.Float((2*rng.Float64() - 1) * lim)
	}
	ed, _ := m.EnergyAt(context.Background(), x, 0)
	eu, _ := m.EnergyAt(context.Background(), u, 0)
	var md, mu float64
	for i := range ed {
		md += ed[i] / 2000
		mu += eu[i] / 2000
	}
	opt := DefaultToyEval("8gaussians")
	opt.GridN, opt.TestN, opt.SampleN = 100, 2000, 2000
	r, err := m.EvaluateToy(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t64, u64 := r.Test.Float64s(), u.Float64s()
	uniformMMD, err := metrics.MMD(context.Background(), u64, t64, 2, metrics.MedianBandwidth(t64, t64, 2))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: mean E data %.3f, uniform %.3f; sample MMD %.5f (uniform noise %.5f); grid NLL %.3f", seed, md, mu, r.MMD, uniformMMD, r.GridNLL)
	return md - mu, r.MMD / uniformMMD
}

// T = 1 (a plain adversarial EBM), a longer chain, and the DRL schedule
// all train and sample.
func TestAnyNumberOfSteps(t *testing.T) {
	for _, c := range []struct {
		T        int
		schedule string
	}{{1, "vp"}, {8, "vp"}, {4, "drl"}} {
		cfg := smallConfig()
		cfg.T, cfg.Schedule = c.T, c.schedule
		m := newModel(t, cfg)
		x, _ := data.Toy("25gaussians", cfg.Batch, rand.New(rand.NewPCG(5, 5)))
		if _, err := m.TrainStep(x); err != nil {
			t.Fatalf("T=%d %s: %v", c.T, c.schedule, err)
		}
		s, err := m.Sample(context.Background(), 10, rand.New(rand.NewPCG(1, 1)))
		if err != nil || s.R != 10 {
			t.Fatalf("T=%d %s: sample %v %v", c.T, c.schedule, s, err)
		}
	}
}

// Sampling with the sampling batch's own batch-norm statistics draws
// something else than with the running ones, reproducibly, for any n
// (one sample included), and leaves the running statistics as they were.
func TestSampleWithBatchStatistics(t *testing.T) {
	m := newModel(t, smallConfig())
	x := randomMatrix(rand.New(rand.NewPCG(1, 2)), m.Config.Batch, m.Config.Dim)
	for range 3 {
		if _, err := m.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	var before []*tensor.Dense
	for _, b := range nn.Buffers(m.Generator) {
		before = append(before, b.Value.Clone())
	}
	draw := func(n int, bn BNStats) *tensor.Dense {
		s, err := m.SampleWith(context.Background(), n, rand.New(rand.NewPCG(5, 5)), bn)
		if err != nil {
			t.Fatal(err)
		}
		if s.R != n || s.C != m.Config.Dim {
			t.Fatalf("%s: %v for n = %d", bn, s, n)
		}
		for _, v := range s.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s: non-finite sample", bn)
			}
		}
		return s
	}
	batch, running := draw(300, BatchStats), draw(300, RunningStats)
	if slices.Equal(batch.Data, running.Data) {
		t.Error("batch statistics sampled exactly what running statistics did")
	}
	if !slices.Equal(batch.Data, draw(300, BatchStats).Data) {
		t.Error("the same seed gave different samples")
	}
	draw(1, BatchStats)
	for i, b := range nn.Buffers(m.Generator) {
		if !slices.Equal(b.Value.Data, before[i].Data) {
			t.Fatalf("sampling changed the running statistics %s", b.Name)
		}
	}
	if _, err := m.SampleWith(context.Background(), 3, rand.New(rand.NewPCG(1, 1)), "mean"); err == nil {
		t.Error("unknown statistics accepted")
	}
}
