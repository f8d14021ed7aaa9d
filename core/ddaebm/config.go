package ddaebm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/diffusion"
	"github.com/ddaebm/ddaebm/core/models/toy"
)

// Ablation selects one of the generator-loss variants the paper reports
// (Table 5, Fig. 5/7).
type Ablation string

const (
	// Full is the paper's algorithm: L1 + L2 with the encoder.
	Full Ablation = "full"
	// KLOnly drops the reverse-KL bound L2.
	KLOnly Ablation = "kl-only"
	// NoEncoder drops every q_ψ term: a sequence of WGAN-0GPs.
	NoEncoder Ablation = "no-encoder"
	// NoLatent fixes z = 0: the generator is deterministic, so the entropy
	// and KL terms vanish and L2 is the posterior log-likelihood alone.
	NoLatent Ablation = "no-latent"
)

// Ablations lists the accepted Ablation values.
var Ablations = []Ablation{Full, KLOnly, NoEncoder, NoLatent}

// PenaltySite is where the energy's gradient penalty is taken.
type PenaltySite string

const (
	PenaltyAtReal         PenaltySite = "real"         // the real pairs (x_k, x_{k+1}): eq. 23
	PenaltyAtFake         PenaltySite = "fake"         // the fakes (x'_k, x_{k+1})
	PenaltyAtRealAndFake  PenaltySite = "real+fake"    // the mean of both
	PenaltyAtInterpolates PenaltySite = "interpolates" // u·x_k + (1−u)·x'_k, u ~ U(0, 1) per example
)

// PenaltySites lists the accepted PenaltySite values.
var PenaltySites = []PenaltySite{PenaltyAtReal, PenaltyAtFake, PenaltyAtRealAndFake, PenaltyAtInterpolates}

// L2Form is the form of the generator loss's second term (docs/ALGORITHM.md §5).
type L2Form string

const (
	// L2Posterior is the paper's eq. 19: λ_k·(KL(q_ψ ‖ N(0, I))
	// − log q(x_k | x_{k+1}, G(x_{k+1}, z_q, k))), z_q from the encoder.
	L2Posterior L2Form = "eq19"
	// L2ReleaseMSE is the authors' CIFAR-10 and CelebA code: KL(q_ψ ‖
	// N(0, I)) + ‖x_k − μ_post(G(x_{k+1}, z, k), x_{k+1})‖², the
	// prediction from the fake's prior z, summed over the dimensions.
	L2ReleaseMSE L2Form = "release-mse"
)

// L2Forms lists the accepted L2Form values.
var L2Forms = []L2Form{L2Posterior, L2ReleaseMSE}

// Config is everything that defines a run. Its JSON form is written next
// to every checkpoint, and a checkpoint is loaded with its own Config.
type Config struct {
	// Data is what the model trains on: a toy name, MNISTData or
	// StackedMNISTData, the absolute path of a .npy file, or "" for an
	// array held only in memory (Python's fit without a checkpoint
	// directory).
	Data string `json:"data"`
	// DataSHA256 is the hex SHA-256 of the .npy file Data names, taken when
	// training on it began: a run resumes only on that very file.
	DataSHA256 string `json:"data_sha256,omitempty"`
	Dim        int    `json:"dim"`   // data dimension
	Model      string `json:"model"` // network family: one of models.Names()

	T        int     `json:"T"`
	BetaMin  float64 `json:"beta_min"`
	BetaMax  float64 `json:"beta_max"`
	Schedule string  `json:"schedule"` // "vp" or "drl"

	Gamma        float64 `json:"gamma"`          // gradient-penalty weight γ
	WFake        float64 `json:"w_fake"`         // weight of E on fakes in the max step
	WEnt         float64 `json:"w_ent"`          // weight of the entropy bound in L1: 1 in eq. 17, 0.1 (the default) in the authors' release
	LambdaW      float64 `json:"lambda_w"`       // importance ratio λ_k = w·t'^{log_{1/2}(w_mid/w)}
	LambdaWMid   float64 `json:"lambda_w_mid"`   //
	PostVarFloor float64 `json:"post_var_floor"` // floor of v_k inside L2 (0 with PostVarFloorStep)
	// PostVarFloorStep, when ≥ 1, floors v_k inside L2 at the schedule's
	// own v at that step instead, max(log v_k, log v_j) with j =
	// PostVarFloorStep: the floor §5 gives for images (j = 1).
	PostVarFloorStep int      `json:"post_var_floor_step,omitempty"`
	Ablation         Ablation `json:"ablation"`
	// MLE trains the energy alone by exact maximum likelihood of E(x, 0)
	// on clean data, with no generator step: the baseline for energies
	// that are normalised densities (mnist-nice).
	MLE bool `json:"mle,omitempty"`

	ZDim   int `json:"z_dim"`
	Hidden int `json:"hidden"` // toy: trunk width; mnist-nice: width of the NICE shift networks
	// Net is the family's own settings when it has them (the unet
	// family's *unet.Settings), decoded into the type the family
	// registered; nil otherwise.
	Net any `json:"net,omitempty"`
	// GenHidden is the base width w of the mnist-nice generator and
	// encoder (1600 in Table 7; their widest layers have 2w); toy models
	// ignore it.
	GenHidden int `json:"gen_hidden,omitempty"`

	LR float64 `json:"lr"`
	// CosineIters, when positive, decays both learning rates from LR to
	// LRMin along a half cosine over that many iterations (the authors'
	// image runs: CosineAnnealingLR over the run, η_min 1e-5), then holds
	// LRMin; 0 keeps LR.
	CosineIters int64   `json:"cosine_iters,omitempty"`
	LRMin       float64 `json:"lr_min,omitempty"`
	Beta1       float64 `json:"adam_beta1"`
	Beta2       float64 `json:"adam_beta2"`
	Batch       int     `json:"batch"`
	EMA         float64 `json:"ema"` // decay of the generator's weight average; 0 = off
	// EnergyEMA is the decay of an average of the energy's weights, which
	// scores (densities, OOD scores, likelihoods) use by default: the
	// energy is trained against a moving generator, and its average is a
	// steadier density than its last iterate. 0 = off (the paper).
	EnergyEMA float64 `json:"energy_ema,omitempty"`
	// PenaltyAt is where the gradient penalty is taken: at the real
	// pairs (PenaltyAtReal, the paper's eq. 23), at the fakes, at both, or
	// at random interpolates between a real x_k and its fake, all
	// conditioned on the same x_{k+1}. A configuration written before
	// the option existed reads as PenaltyAtReal.
	PenaltyAt PenaltySite `json:"penalty_at"`
	// L2 is the form of the generator loss's reverse-KL term; a
	// configuration written before the option existed reads as
	// L2Posterior.
	L2 L2Form `json:"l2"`

	Seed uint64 `json:"seed"`
}

// DefaultToyConfig returns the §6 defaults for a 2-D toy set.
func DefaultToyConfig(data string) Config {
	return Config{
		Data: data, Dim: 2, Model: toy.Name,
		T: 4, BetaMin: 0.1, BetaMax: 20, Schedule: "vp",
		Gamma: 0.02, WFake: 1, WEnt: 0.1, LambdaW: 1, LambdaWMid: 1, PostVarFloor: 1e-2,
		Ablation: Full, PenaltyAt: PenaltyAtReal, L2: L2Posterior,
		ZDim: 2, Hidden: 300,
		LR: 1e-4, Beta1: 0, Beta2: 0.9, Batch: 200,
	}
}

// Validate reports the settings that cannot work, naming the values found,
// and a model too large for the memory available (memlimit).
func (c *Config) Validate() error { return c.validate(true) }

// validate is Validate; checkData false leaves Data unchecked, as a
// checkpoint's configuration is loaded: older versions took any Data.
func (c *Config) validate(checkData bool) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if checkData && !namesData(c.Data) {
		bad("data %q is not a toy set (%s), %s, %s, a .npy file or empty (arrays given to training)",
			c.Data, strings.Join(data.ToyNames(), ", "), MNISTData, StackedMNISTData)
	}
	family, err := c.family()
	if err != nil {
		bad("%v", err)
	}
	if c.Dim < 1 {
		bad("dim must be positive, got %d", c.Dim)
	}
	if c.T < 1 {
		bad("T must be at least 1, got %d", c.T)
	}
	if c.Schedule != "vp" && c.Schedule != "drl" {
		bad("schedule %q is not known (want vp or drl)", c.Schedule)
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"gamma", c.Gamma}, {"w-fake", c.WFake}, {"w-ent", c.WEnt}, {"adam-beta1", c.Beta1}, {"ema", c.EMA}, {"energy-ema", c.EnergyEMA}} {
		if !(v.x >= 0) || math.IsInf(v.x, 0) {
			bad("%s must be a finite number ≥ 0, got %v", v.name, v.x)
		}
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"lr", c.LR}, {"lambda-w", c.LambdaW}, {"lambda-w-mid", c.LambdaWMid}} {
		if !(v.x > 0) || math.IsInf(v.x, 0) {
			bad("%s must be a finite number > 0, got %v", v.name, v.x)
		}
	}
	switch {
	case c.PostVarFloorStep < 0 || c.PostVarFloorStep >= max(c.T, 1):
		bad("post-var-floor-step must be in 0..T−1 = %d, got %d", c.T-1, c.PostVarFloorStep)
	case c.PostVarFloorStep > 0 && c.PostVarFloor != 0:
		bad("post-var-floor (%v) and post-var-floor-step (%d) exclude each other: set one, the other to 0", c.PostVarFloor, c.PostVarFloorStep)
	case c.PostVarFloorStep == 0 && (!(c.PostVarFloor > 0) || math.IsInf(c.PostVarFloor, 0)):
		bad("post-var-floor must be a finite number > 0 (or set post-var-floor-step), got %v", c.PostVarFloor)
	}
	if family != nil {
		if err := family.Check(c.spec()); err != nil {
			bad("%v", err)
		}
		if c.MLE && !family.Traits().Density {
			bad("mle needs an energy that is a normalised density, which model %q is not", c.Model)
		}
	}
	if !(c.Beta1 < 1) || !(c.Beta2 >= 0 && c.Beta2 < 1) || !(c.EMA < 1) || !(c.EnergyEMA < 1) {
		bad("adam-beta1, adam-beta2, ema and energy-ema must be below 1, got %v, %v, %v, %v", c.Beta1, c.Beta2, c.EMA, c.EnergyEMA)
	}
	if c.Batch < 2 {
		bad("batch must be at least 2 (batch norm needs two examples), got %d", c.Batch)
	}
	if c.ZDim < 1 {
		bad("z-dim must be positive, got %d", c.ZDim)
	}
	if !slices.Contains(Ablations, c.Ablation) {
		bad("ablation %q is not known (want one of %v)", c.Ablation, Ablations)
	}
	if !slices.Contains(PenaltySites, c.PenaltyAt) {
		bad("penalty-at %q is not known (want one of %v)", c.PenaltyAt, PenaltySites)
	}
	if c.CosineIters < 0 || !(c.LRMin >= 0 && c.LRMin <= c.LR) {
		bad("cosine-iters must be ≥ 0 and lr-min in [0, lr], got %d and %v", c.CosineIters, c.LRMin)
	}
	if !slices.Contains(L2Forms, c.L2) {
		bad("l2 %q is not known (want one of %v)", c.L2, L2Forms)
	}
	if len(errs) == 0 {
		// Sizes first: the schedule alone has T entries per table.
		if err := c.checkModelMemory(); err != nil {
			return err
		}
		if _, err := c.schedule(); err != nil {
			bad("%v", err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}

// namesData reports whether name is a Config.Data value: a toy set, an
// MNIST set, the path of a .npy file (which need not exist: a
// checkpoint's data may have moved since), or "" for data handed to
// training as arrays.
func namesData(name string) bool {
	return name == "" || data.ToyLimit(name) > 0 || name == MNISTData || name == StackedMNISTData || strings.HasSuffix(name, ".npy")
}

// postLogVarFloor is the floor of log v_k inside L2 (§5).
func (c *Config) postLogVarFloor(s *diffusion.Schedule) float64 {
	if c.PostVarFloorStep > 0 {
		return s.LogPostVar[c.PostVarFloorStep]
	}
	return math.Log(c.PostVarFloor)
}

func (c *Config) schedule() (*diffusion.Schedule, error) {
	if c.Schedule == "drl" {
		return diffusion.DRL(c.T, c.BetaMin, c.BetaMax)
	}
	return diffusion.VP(c.T, c.BetaMin, c.BetaMax)
}

// JSON returns the indented JSON form.
func (c *Config) JSON() []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err) // a Config has only plain fields
	}
	return b
}

// ParseConfig reads a Config from JSON, rejecting unknown fields, and
// validates it. Numbers may also be written NaN, Infinity or -Infinity,
// as Python's json module writes non-finite floats, so that such a value
// is reported by Validate, which names the setting, rather than as
// malformed JSON.
func ParseConfig(b []byte) (Config, error) {
	c, err := decodeConfig(b)
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// decodeConfig is ParseConfig without the validation.
func decodeConfig(b []byte) (Config, error) {
	// The family's settings decode in a second pass, into the type the
	// family named by "model" registered.
	type plain Config
	var wire struct {
		*plain
		Net json.RawMessage `json:"net,omitempty"`
	}
	var c Config
	wire.plain = (*plain)(&c)
	text, nonFinite := withoutNonFinite(b)
	if err := strictJSON(text, &wire); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	if wire.Net != nil {
		f, err := c.family()
		if err != nil {
			return c, fmt.Errorf("configuration: %w", err)
		}
		if c.Net = f.NewSettings(); c.Net == nil {
			return c, fmt.Errorf("configuration: model %q takes no net settings", c.Model)
		}
		if err := strictJSON(wire.Net, c.Net); err != nil {
			return c, fmt.Errorf("configuration: net: %w", err)
		}
	}
	if c.PenaltyAt == "" { // written before the option existed
		c.PenaltyAt = PenaltyAtReal
	}
	if c.L2 == "" {
		c.L2 = L2Posterior
	}
	fields := reflect.ValueOf(&c).Elem()
	for i := range fields.NumField() {
		f := fields.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		v, ok := nonFinite[name]
		if !ok {
			continue
		}
		if f.Type.Kind() != reflect.Float64 {
			return c, fmt.Errorf("configuration: %s takes a value of type %s, got %v", name, f.Type, v)
		}
		fields.Field(i).SetFloat(v)
	}
	return c, nil
}

// strictJSON decodes b into v, refusing unknown members.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// pythonNonFinite are the words Python's json module writes for
// non-finite floats.
var pythonNonFinite = []struct {
	word  string
	value float64
}{{"NaN", math.NaN()}, {"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}}

// withoutNonFinite returns the JSON object b with every member value
// written as one of pythonNonFinite replaced by null, and those values by
// member name. Strings are copied as they are; the words anywhere else are
// left for the JSON decoder to refuse.
func withoutNonFinite(b []byte) (text []byte, nonFinite map[string]float64) {
	text = make([]byte, 0, len(b))
	nonFinite = map[string]float64{}
	depth, key := 0, ""
	for i := 0; i < len(b); {
		if b[i] == '"' {
			end := i + 1
			for end < len(b) && b[end] != '"' {
				if b[end] == '\\' {
					end++
				}
				end++
			}
			end = min(end+1, len(b))
			if depth == 1 {
				// At the top level a value follows its member's name, the
				// last string before it; a malformed one is the decoder's
				// to report.
				key = ""
				json.Unmarshal(b[i:end], &key)
			}
			text = append(text, b[i:end]...)
			i = end
			continue
		}
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		replaced := false
		for _, w := range pythonNonFinite {
			if depth == 1 && bytes.HasPrefix(b[i:], []byte(w.word)) {
				nonFinite[key] = w.value
				text = append(text, "null"...)
				i += len(w.word)
				replaced = true
				break
			}
		}
		if !replaced {
			text = append(text, b[i])
			i++
		}
	}
	return text, nonFinite
}
