package ddaebm

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/models/nice"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// tinyMNISTConfig is the MNIST setting with tiny networks on 8-pixel data.
func tinyMNISTConfig() Config {
	cfg := DefaultMNISTConfig()
	cfg.Dim, cfg.Hidden, cfg.GenHidden, cfg.ZDim, cfg.Batch, cfg.Seed = 8, 4, 6, 3, 6, 2
	return cfg
}

func TestMNISTConfig(t *testing.T) {
	cfg := DefaultMNISTConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfig(cfg.JSON())
	if err != nil || back != cfg {
		t.Fatalf("JSON round trip: %v, %+v", err, back)
	}
	s, _ := cfg.schedule()
	if got := cfg.postLogVarFloor(s); got != s.LogPostVar[1] || !(got > s.LogPostVar[0]) {
		t.Errorf("image floor %v, want log v_1 = %v (above log v_0 = %v)", got, s.LogPostVar[1], s.LogPostVar[0])
	}
	toy := DefaultToyConfig("25gaussians")
	if got := toy.postLogVarFloor(s); math.Abs(got-math.Log(1e-2)) > 1e-12 {
		t.Errorf("toy floor %v, want log 1e-2", got)
	}
	for _, mutate := range []func(*Config){
		func(c *Config) { c.PostVarFloor = 1e-2 },  // both floors
		func(c *Config) { c.PostVarFloorStep = 4 }, // no v_4
		func(c *Config) { c.PostVarFloorStep = -1 },
		func(c *Config) { c.PostVarFloorStep, c.PostVarFloor = 0, 0 }, // no floor at all
		func(c *Config) { c.GenHidden = 0 },
		func(c *Config) { c.Dim = 1 },
	} {
		c := DefaultMNISTConfig()
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	toy.MLE = true
	if err := toy.Validate(); err == nil || !strings.Contains(err.Error(), "normalised") {
		t.Errorf("MLE with the toy energy: %v", err)
	}
}

// A toy configuration written before the MNIST fields existed still
// parses to the same run, and the toy JSON does not grow new keys.
func TestOldToyConfigStillParses(t *testing.T) {
	old := `{"data": "pinwheel", "dim": 2, "model": "toy", "T": 4, "beta_min": 0.1, "beta_max": 20,
		"schedule": "vp", "gamma": 0.02, "w_fake": 1, "w_ent": 0.1, "lambda_w": 1, "lambda_w_mid": 1,
		"post_var_floor": 0.01, "ablation": "full", "z_dim": 2, "hidden": 300, "lr": 0.0001,
		"adam_beta1": 0, "adam_beta2": 0.9, "batch": 200, "ema": 0, "seed": 0}`
	cfg, err := ParseConfig([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if want := DefaultToyConfig("pinwheel"); cfg != want {
		t.Errorf("parsed %+v, want %+v", cfg, want)
	}
	var keys map[string]any
	if err := json.Unmarshal(cfg.JSON(), &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mle", "gen_hidden", "post_var_floor_step"} {
		if _, ok := keys[k]; ok {
			t.Errorf("toy JSON has %q", k)
		}
	}
}

// Every ablation and the MLE objective run a step with the MNIST networks.
func TestMNISTModelTrainsEveryObjective(t *testing.T) {
	x := randomMatrix(rand.New(rand.NewPCG(4, 4)), 6, 8)
	for _, a := range Ablations {
		cfg := tinyMNISTConfig()
		cfg.Ablation = a
		m := newModel(t, cfg)
		st, err := m.TrainStep(x)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if st.Penalty <= 0 || st.LossG == 0 {
			t.Errorf("%s: stats %+v", a, st)
		}
		s, err := m.Sample(context.Background(), 5, rand.New(rand.NewPCG(1, 1)))
		if err != nil || s.R != 5 || s.C != 8 {
			t.Fatalf("%s: sample %v %v", a, s, err)
		}
	}
}

// The MLE objective maximises E(x, 0) and leaves the generator alone; on a
// fixed data set its negative log-likelihood falls.
func TestMLEStep(t *testing.T) {
	cfg := tinyMNISTConfig()
	cfg.MLE = true
	cfg.LR = 1e-2
	m := newModel(t, cfg)
	gen := nn.Params(m.Generator)[0].Value.Clone()
	x := randomMatrix(rand.New(rand.NewPCG(4, 4)), 6, 8)
	first, err := m.TrainStep(x)
	if err != nil {
		t.Fatal(err)
	}
	// The reported loss is −mean E(x, 0).
	m2 := newModel(t, cfg)
	e, _ := m2.EnergyAt(context.Background(), x, 0)
	if want := -(e[0] + e[1] + e[2] + e[3] + e[4] + e[5]) / 6; math.Abs(first.LossE-want) > 1e-4*math.Abs(want) {
		t.Errorf("loss %v, want −mean E = %v", first.LossE, want)
	}
	var last StepStats
	for range 50 {
		if last, err = m.TrainStep(x); err != nil {
			t.Fatal(err)
		}
	}
	if !(last.LossE < first.LossE-1) {
		t.Errorf("NLL went from %v to %v", first.LossE, last.LossE)
	}
	for i, v := range nn.Params(m.Generator)[0].Value.Data {
		if v != gen.Data[i] {
			t.Fatal("MLE moved the generator")
		}
	}
	if m.Step != 51 || m.OptG.Step != 0 {
		t.Errorf("step %d, generator optimiser step %d", m.Step, m.OptG.Step)
	}
}

// The MLE step moves the energy's weight average too: without it, scores
// would use the initial weights.
func TestMLEStepMovesTheEnergyAverage(t *testing.T) {
	cfg := tinyMNISTConfig()
	cfg.MLE, cfg.EnergyEMA = true, 0.5
	m := newModel(t, cfg)
	w0 := nn.Params(m.Energy)[0].Value.Clone()
	if _, err := m.TrainStep(randomMatrix(rand.New(rand.NewPCG(4, 4)), 6, 8)); err != nil {
		t.Fatal(err)
	}
	w1 := nn.Params(m.Energy)[0].Value
	for i, got := range m.EnergyEMA.Shadow[0].Data {
		if want := 0.5*w0.Data[i] + 0.5*w1.Data[i]; math.Abs(float64(got-want)) > 1e-6 {
			t.Fatalf("average[%d] = %v after one MLE step, want ½·%v + ½·%v", i, got, w0.Data[i], w1.Data[i])
		}
	}
}

// With zero shift networks the flow is the scale layer alone, so the model
// is N(0, diag(exp(−2ℓ))): the test log-likelihood, its pixel-space form
// and the exact samples can be checked in closed form.
func TestNICELikelihoodAndSamplesOfAKnownDensity(t *testing.T) {
	cfg := tinyMNISTConfig()
	m := newModel(t, cfg)
	e := m.Energy.(*nice.Energy)
	zeroed := 0
	for _, p := range nn.Params(e) {
		if strings.HasSuffix(p.Name, "/out/W") || strings.HasSuffix(p.Name, "/out/b") {
			clear(p.Value.Data)
			zeroed++
		}
	}
	if zeroed != 8 {
		t.Fatalf("zeroed %d output layers' weights and biases, want the 4 couplings' 8", zeroed)
	}
	ell := make([]float64, cfg.Dim)
	for i := range ell {
		ell[i] = 0.1 * float64(i-3)
		e.LogScale.Value.Data[i] = tensor.Float(ell[i])
	}
	// ℓ is in the order [even coordinates, odd coordinates].
	scaleOf := make([]float64, cfg.Dim)
	evens := (cfg.Dim + 1) / 2
	for i := range scaleOf {
		if i%2 == 0 {
			scaleOf[i] = ell[i/2]
		} else {
			scaleOf[i] = ell[evens+i/2]
		}
	}
	y := randomMatrix(rand.New(rand.NewPCG(5, 5)), 1100, cfg.Dim) // three chunks
	r, err := m.TestLogLikelihood(context.Background(), y)
	if err != nil {
		t.Fatal(err)
	}
	var want, jac float64
	for i := 0; i < y.R; i++ {
		for j, v := range y.Row(i) {
			s := math.Exp(scaleOf[j])
			u := float64(v) * s
			want += -0.5*u*u - 0.5*math.Log(2*math.Pi) + scaleOf[j]
			jac += -math.Log(sigmoid(float64(v)) * (1 - sigmoid(float64(v))))
		}
	}
	want /= float64(y.R)
	jac /= float64(y.R)
	if math.Abs(r.LogitNats-want) > 1e-4*math.Abs(want) {
		t.Errorf("logit-space LL %v, want %v", r.LogitNats, want)
	}
	if math.Abs(r.PixelNats-(want+jac)) > 1e-4*math.Abs(want+jac) {
		t.Errorf("pixel-space LL %v, want %v", r.PixelNats, want+jac)
	}
	if bpd := (-(want+jac)/float64(cfg.Dim) + math.Log(256)) / math.Ln2; math.Abs(r.BitsPerDim-bpd) > 1e-4 {
		t.Errorf("bits/dim %v, want %v", r.BitsPerDim, bpd)
	}
	if r.N != 1100 {
		t.Errorf("N = %d", r.N)
	}

	const n = 20000
	s, err := m.SampleFlow(context.Background(), n, rand.New(rand.NewPCG(6, 6)))
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < cfg.Dim; j++ {
		var v float64
		for i := 0; i < n; i++ {
			v += float64(s.At(i, j)) * float64(s.At(i, j)) / n
		}
		if want := math.Exp(-2 * scaleOf[j]); math.Abs(v-want) > 0.05*want {
			t.Errorf("coordinate %d: sample variance %.4f, want %.4f", j, v, want)
		}
	}
	toy := newModel(t, smallConfig())
	if _, err := toy.TestLogLikelihood(context.Background(), y); err == nil {
		t.Error("test log-likelihood of a toy energy")
	}
}

func sigmoid(y float64) float64 { return 1 / (1 + math.Exp(-y)) }

// Batches are logits of the images, each pixel moved by less than half a
// level before the logit.
func TestMNISTSource(t *testing.T) {
	pixels := tensor.New(3, 4)
	for i := range pixels.Data {
		pixels.Data[i] = tensor.Float(i%4) / 3
	}
	src, err := NewMNISTSource(pixels)
	if err != nil {
		t.Fatal(err)
	}
	dst := tensor.New(5, 4)
	if err := src.Batch(dst, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < dst.R; i++ {
		for j, v := range dst.Row(i) {
			p := sigmoid(float64(v))
			want := math.Min(math.Max(float64(j)/3, data.LogitEps), 1-data.LogitEps)
			if math.Abs(p-want) > 0.5/256+1e-5 {
				t.Errorf("row %d pixel %d: sigmoid of the batch value %v, image %v", i, j, p, want)
			}
		}
	}
	pixels.Data[5] = 1.5
	if _, err := NewMNISTSource(pixels); err == nil {
		t.Error("accepted a pixel value 1.5")
	}
	a, b := MNISTTestSet(pixels, 3), MNISTTestSet(pixels, 3)
	if !slices.Equal(a.Data, b.Data) {
		t.Error("MNISTTestSet is not a function of its seed")
	}
}

// Training on real MNIST: a short maximum-likelihood run of a narrow NICE
// raises the test log-likelihood by far more than noise could.
func TestMLEOnMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and trains for a few seconds")
	}
	mn, err := data.LoadMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultMNISTConfig()
	cfg.MLE, cfg.Hidden, cfg.GenHidden, cfg.Batch, cfg.LR = true, 16, 4, 64, 1e-3
	m := newModel(t, cfg)
	src, err := NewMNISTSource(mn.Train.X)
	if err != nil {
		t.Fatal(err)
	}
	test := MNISTTestSet(tensor.FromSlice(1000, data.MNISTPixels, mn.Test.X.Data[:1000*data.MNISTPixels]), 1)
	before, err := m.TestLogLikelihood(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Train(context.Background(), src, TrainOptions{Iters: 150}); err != nil {
		t.Fatal(err)
	}
	after, _ := m.TestLogLikelihood(context.Background(), test)
	t.Logf("test LL %.1f → %.1f nats (logit space), %.3f → %.3f bits/dim", before.LogitNats, after.LogitNats, before.BitsPerDim, after.BitsPerDim)
	if !(after.LogitNats > before.LogitNats+1000) {
		t.Errorf("test LL went from %.1f to %.1f nats", before.LogitNats, after.LogitNats)
	}
}

// Matched to data, the generator's x̂0 has the data's per-coordinate mean
// in training mode, and a coordinate that is constant in the data is that
// constant in every prediction.
func TestMatchGeneratorToData(t *testing.T) {
	cfg := tinyMNISTConfig()
	m := newModel(t, cfg)
	rng := rand.New(rand.NewPCG(7, 7))
	x := randomMatrix(rng, 50, cfg.Dim)
	for i := 0; i < x.R; i++ {
		x.Data[i*x.C] = -6.9 // a background pixel
		x.Data[i*x.C+1] = 3 + 2*x.Data[i*x.C+1]
	}
	if err := m.MatchGeneratorToData(x); err != nil {
		t.Fatal(err)
	}
	g := m.graph
	g.Reset()
	defer g.Reset()
	b := 40
	xk1, z := randomMatrix(rng, b, cfg.Dim), randomMatrix(rng, b, cfg.ZDim)
	out := m.Generator.Forward(g, g.Const(xk1), g.Const(z), make([]int, b), true).Value
	for j := 0; j < cfg.Dim; j++ {
		var want, got float64
		for i := 0; i < x.R; i++ {
			want += float64(x.At(i, j)) / float64(x.R)
		}
		for i := 0; i < b; i++ {
			got += float64(out.At(i, j)) / float64(b)
		}
		if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
			t.Errorf("coordinate %d: mean x̂0 %v, data mean %v", j, got, want)
		}
	}
	for i := 0; i < b; i++ {
		if v := out.At(i, 0); math.Abs(float64(v)+6.9) > 1e-5 {
			t.Fatalf("row %d: constant coordinate predicted as %v, want -6.9", i, v)
		}
	}

	if err := newModel(t, smallConfig()).MatchGeneratorToData(x); err == nil {
		t.Error("a toy model accepted matching")
	}
	if _, err := m.TrainStep(tensor.FromSlice(cfg.Batch, cfg.Dim, x.Data[:cfg.Batch*cfg.Dim])); err != nil {
		t.Fatal(err)
	}
	if err := m.MatchGeneratorToData(x); err == nil {
		t.Error("a trained model accepted matching")
	}
}

// A short adversarial run on real MNIST stays bounded: the fakes' energy
// stays within a factor of ten of the data's. Without matching the
// generator to the data first (DDAEBM_UNMATCHED=1 skips it), this test
// fails: after 300 iterations mean E = −1.4·10⁶ on data and −4.5·10¹⁰ on
// fakes, against −3.8·10³ and −1.6·10³ matched.
func TestDDAEBMOnMNISTStaysBounded(t *testing.T) {
	if testing.Short() || float64Build {
		t.Skip("trains on MNIST for half a minute; runs in the float32 build without -short")
	}
	mn, err := data.LoadMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultMNISTConfig()
	cfg.Hidden, cfg.GenHidden = 200, 256
	m := newModel(t, cfg)
	src, err := NewMNISTSource(mn.Train.X)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	sample := tensor.New(2000, cfg.Dim)
	if err := src.Batch(sample, rng); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DDAEBM_UNMATCHED") == "" {
		if err := m.MatchGeneratorToData(sample); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Train(context.Background(), src, TrainOptions{Iters: 300}); err != nil {
		t.Fatal(err)
	}
	x0 := tensor.New(cfg.Batch, cfg.Dim)
	if err := src.Batch(x0, rng); err != nil {
		t.Fatal(err)
	}
	eReal, err := m.EnergyAt(context.Background(), x0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fakes := m.fakesAt(x0, 0, rng)
	eFake, err := m.EnergyAt(context.Background(), fakes, 0)
	if err != nil {
		t.Fatal(err)
	}
	real, fake := meanOf(eReal), meanOf(eFake)
	t.Logf("after 300 iterations: mean E(x_0, 0) %.1f on data, %.1f on fakes", real, fake)
	if !(fake > 10*real) {
		t.Errorf("mean E(fake) %.4g is more than ten times below mean E(data) %.4g: the energy ran away", fake, real)
	}
}

// fakesAt draws x'_k ~ p_φ(x_k | x_{k+1}) for the pairs of the clean batch
// x0 at step k, as the max step does.
func (m *Model) fakesAt(x0 *tensor.Dense, k int, rng *rand.Rand) *tensor.Dense {
	b, d := x0.R, x0.C
	ks := make([]int, b)
	for i := range ks {
		ks[i] = k
	}
	g := m.graph
	g.Reset()
	defer g.Reset()
	g.SetRecord(false)
	_, c := m.Schedule.Pair(g, g.ConstHost(x0), ks, rng.Uint64(), rng.Uint64())
	fake := m.Schedule.PosteriorSample(g, m.Generator.Forward(g, c, m.latent(g, b, rng), ks, true), c, ks, g.Normal(b, d, rng.Uint64()))
	return g.HostValue(fake).Clone()
}

func meanOf(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
