package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/classify"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

const imageUsage = `Usage: train image [flags]

Trains the image model of the paper (docs/IMAGES.md): the energy
E(x, k) = −½‖x − U(x, k)‖² with U a U-Net, a U-Net generator conditioned on
z, and the convolutional encoder of Table 8, on images scaled to [−1, 1].

-data is mnist (1×32×32), stackedmnist (3×32×32, 1000 modes) or an
N×C×H×W .npy file of uint8 pixels (0–255) or floats in [0, 1]; 28×28
images are zero-padded to 32×32. -config picks the networks' sizes
(docs/IMAGES.md §2.3): cifar10 (the authors' CIFAR-10 networks, 40M parameters
in the energy), m, s, or xs (0.3M, for about an hour on 2 CPU cores);
every size is also a flag, which then overrides the preset. Training
follows §3: T = 4, β 0.1…20, γ 0.02, Adam(0, 0.9), lr 1e-4, batch 64,
weight averages of both players (0.999 for s and xs, 0.9999 for m and
cifar10), which samples and scores use.

Outputs in -out: config.json, checkpoint.npz, samples.npy (N×C×H×W in
[−1, 1]), samples.png and metrics.json.

Flags:
`

// imageRunSettings are the flags of an image run beyond the model's
// configuration (see runSettings).
var imageRunSettings = [][]string{{"iters"}, {"checkpoint-every"}, {"samples"}, {"flip"}, {"mnist-dir"}, {"eval-every"}, {"eval-n"}, {"classifier"}}

// imageFlags are the command's flags bound to cfg, whose values are
// their defaults, and to the returned run settings.
type imageFlags struct {
	flags                     *flag.FlagSet
	data, preset, out         *string
	iters, ckptEvery          *int64
	evalEvery                 *int64
	samples, evalN            *int
	classifier                *string
	flip, resume, quiet       *bool
	mnistDir, device          *string
	chMult, attn              *string
	setEnergyOptions, setNets func() error
}

func newImageFlags(cfg *ddaebm.Config) *imageFlags {
	flags := flag.NewFlagSet("train image", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), imageUsage)
		flags.PrintDefaults()
	}
	f := &imageFlags{flags: flags}
	f.data = flags.String("data", ddaebm.StackedMNISTData, "mnist, stackedmnist or an N×C×H×W .npy file")
	f.preset = flags.String("config", "xs", "network sizes: "+strings.Join(unet.Presets, ", "))
	net := cfg.Net.(*unet.Settings)
	flags.IntVar(&net.NF, "nf", net.NF, "U-Net base width; overrides -config")
	f.chMult = flags.String("ch-mult", joinInts(net.ChMult), "channel multipliers of the U-Net's levels, comma separated; overrides -config")
	flags.IntVar(&net.ResBlocks, "res-blocks", net.ResBlocks, "residual blocks per level; overrides -config")
	f.attn = flags.String("attn", joinInts(net.AttnRes), "resolutions with self-attention, comma separated; overrides -config")
	flags.Float64Var(&net.Dropout, "dropout", net.Dropout, "dropout in the U-Nets' residual blocks; overrides -config")
	flags.StringVar(&net.Resample, "resample", net.Resample, "U-Net resampling: fir (NCSN++, with the input pyramid) or mean (DDPM++); overrides -config")
	flags.IntVar(&net.ZEmbed, "z-embed", net.ZEmbed, "width of the generator's mapping network; overrides -config")
	flags.IntVar(&net.MapLayers, "map-layers", net.MapLayers, "layers of the mapping network after the first; overrides -config")
	flags.IntVar(&net.EncWidth, "enc-width", net.EncWidth, "encoder base width ngf; overrides -config")
	flags.IntVar(&net.EncTEmbed, "enc-temb", net.EncTEmbed, "encoder step-embedding width; overrides -config")
	flags.IntVar(&cfg.ZDim, "z-dim", cfg.ZDim, "latent dimension nz; overrides -config")
	flags.IntVar(&cfg.T, "T", cfg.T, "diffusion steps (NFE of sampling)")
	flags.Float64Var(&cfg.BetaMin, "beta-min", cfg.BetaMin, "β_min of the VP schedule")
	flags.Float64Var(&cfg.BetaMax, "beta-max", cfg.BetaMax, "β_max of the VP schedule")
	flags.Float64Var(&cfg.Gamma, "gamma", cfg.Gamma, "gradient-penalty weight γ")
	flags.Float64Var(&cfg.WFake, "w-fake", cfg.WFake, "weight of E on fakes in the energy loss")
	flags.Float64Var(&cfg.WEnt, "w-ent", cfg.WEnt, "weight of the entropy bound in the generator loss (eq. 17: 1; the authors' code: 0.1)")
	l2 := flags.String("l2", string(cfg.L2), "form of the generator loss's reverse-KL term: eq19 (the paper) or release-mse (the authors' CIFAR-10 code: KL + squared error of the prior-z prediction)")
	flags.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate (both players)")
	flags.Int64Var(&cfg.CosineIters, "cosine-iters", cfg.CosineIters, "decay the learning rate to -lr-min along a half cosine over this many iterations (0: constant; the authors' image runs decay over the whole run)")
	flags.Float64Var(&cfg.LRMin, "lr-min", 1e-5, "the learning rate at the end of the cosine decay")
	flags.Float64Var(&cfg.Beta1, "adam-beta1", cfg.Beta1, "Adam β1")
	flags.Float64Var(&cfg.Beta2, "adam-beta2", cfg.Beta2, "Adam β2")
	flags.IntVar(&cfg.Batch, "batch", cfg.Batch, "batch size")
	flags.Float64Var(&cfg.EMA, "ema", cfg.EMA, "decay of the generator's weight average, which samples use (0: off; overrides -config)")
	setEnergyOptions := energyOptionFlags(flags, cfg)
	f.setEnergyOptions = func() error {
		setEnergyOptions()
		cfg.L2 = ddaebm.L2Form(*l2)
		if cfg.CosineIters == 0 {
			cfg.LRMin = 0 // unused: kept out of the configuration
		}
		return nil
	}
	flags.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed (weights, batches, noise)")
	f.iters = flags.Int64("iters", 1000, "train until this many iterations in total")
	f.ckptEvery = flags.Int64("checkpoint-every", 100, "write a checkpoint every N iterations")
	f.samples = flags.Int("samples", 64, "images to sample at the end")
	f.evalEvery = flags.Int64("eval-every", 0, "evaluate every N iterations into metrics.jsonl (0: only at the end)")
	f.evalN = flags.Int("eval-n", 1000, "samples and data images each evaluation scores")
	f.classifier = flags.String("classifier", "", "StackedMNIST: the digit classifier (evaluate classifier -out) that counts the modes of each evaluation's samples and measures their Fréchet distance to test images in its features")
	f.flip = flags.Bool("flip", false, "flip training images left to right at random (for natural images, e.g. CIFAR-10)")
	f.mnistDir = flags.String("mnist-dir", "", "directory of the four MNIST files (default: $"+data.MNISTDirEnv+", else the GoMNIST module)")
	f.out = flags.String("out", "runs/image", "output directory")
	f.resume = flags.Bool("resume", false, "continue from -out/checkpoint.npz, with the run settings -out/config.json records")
	f.quiet = flags.Bool("quiet", false, "no progress line")
	f.device = cli.DeviceFlag(flags)
	f.setNets = func() error {
		var err error
		if net.ChMult, err = parseInts(*f.chMult); err != nil {
			return cli.Usagef("-ch-mult: %v", err)
		}
		if net.AttnRes, err = parseInts(*f.attn); err != nil {
			return cli.Usagef("-attn: %v", err)
		}
		return nil
	}
	return f
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of integers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

func runImage(args []string) error {
	// The defaults depend on -config and on the data's image size: read
	// those first, then parse again onto the configuration they give.
	probe, err := ddaebm.DefaultImageConfig(ddaebm.StackedMNISTData, "xs", autograd.Image{H: 32, W: 32, C: 3})
	if err != nil {
		return err
	}
	first := newImageFlags(&probe)
	if err := cli.Parse(first.flags, args); err != nil {
		return err
	}
	out := *first.out
	ckptPath := filepath.Join(out, "checkpoint.npz")
	var m *ddaebm.Model
	var f *imageFlags
	if *first.resume {
		if m, err = resumeRun(first.flags, out, imageRunSettings); err != nil {
			return err
		}
		if m.Config.Model != unet.Name {
			return cli.Usagef("%s holds a %q model, not an image one (use train or train mnist)", ckptPath, m.Config.Model)
		}
		if err := clearKilledRun(out, m.Step); err != nil {
			return err
		}
		f = first
		fmt.Fprintf(os.Stderr, "resuming %s at step %d\n", ckptPath, m.Step)
	}
	name, seed := *first.data, probe.Seed
	if m != nil {
		name, seed = m.Config.Data, m.Config.Seed
	} else if strings.HasSuffix(name, ".npy") {
		if name, err = filepath.Abs(name); err != nil {
			return err
		}
	}
	images, err := ddaebm.LoadImageData(name, *first.mnistDir, seed, evalSeed)
	if err != nil {
		return err
	}
	if m == nil {
		cfg, err := ddaebm.DefaultImageConfig(name, *first.preset, images.Image)
		if err != nil {
			return cli.Usagef("-config: %v", err)
		}
		f = newImageFlags(&cfg)
		if err := cli.Parse(f.flags, args); err != nil {
			return err
		}
		if err := f.setNets(); err != nil {
			return err
		}
		f.setEnergyOptions()
		if m, err = ddaebm.New(cfg); err != nil {
			return cli.ConfigError(err)
		}
		if _, err := os.Stat(ckptPath); err == nil {
			return cli.Usagef("%s already holds a checkpoint: pass -resume to continue it, or choose another -out", out)
		}
	}
	if *f.iters < 1 || *f.ckptEvery < 0 || *f.samples < 1 || *f.evalEvery < 0 || *f.evalN < 1 {
		return cli.Usagef("-iters, -samples and -eval-n must be ≥ 1, -checkpoint-every and -eval-every ≥ 0, got %d, %d, %d, %d and %d",
			*f.iters, *f.samples, *f.evalN, *f.ckptEvery, *f.evalEvery)
	}
	var counter *classify.Classifier
	if *f.classifier != "" {
		if err := m.StackedMNISTModel(); err != nil {
			return cli.Usagef("-classifier: %v", err)
		}
		if counter, err = classify.Load(*f.classifier); err != nil {
			return err
		}
	}
	dev, err := cli.Device(*f.device)
	if err != nil {
		return err
	}
	src, err := ddaebm.NewImageSource(images, *f.flip)
	if err != nil {
		return err
	}
	if err := m.UseDevice(dev); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeRunConfig(out, m.Config, f.flags, imageRunSettings); err != nil {
		return err
	}
	describeImageRun(m, images)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := cli.NewProgress()
	opt := ddaebm.TrainOptions{
		Iters: *f.iters, CheckpointPath: ckptPath, CheckpointEvery: *f.ckptEvery,
		OnProgress: func(p ddaebm.Progress) bool {
			if !*f.quiet {
				mt := p.Metrics
				p.Metrics = nil // the toy metrics line does not know these keys
				progress.Update(p)
				if mt != nil {
					fmt.Fprintf(os.Stderr, "\n  eval at step %d: %s\n", p.Step, describeImageMetrics(mt))
				}
			}
			return true
		},
	}
	if *f.evalEvery > 0 {
		opt.EvalEvery = *f.evalEvery
		opt.Evaluate = func(m *ddaebm.Model) (map[string]float64, error) {
			mt, err := imageMetrics(ctx, m, images, *f.evalN, counter)
			if err != nil {
				return nil, err
			}
			return mt, cli.AppendJSONLine(filepath.Join(out, "metrics.jsonl"), mt)
		}
	}
	res, err := m.Train(ctx, src, opt)
	if err != nil {
		return err
	}
	if res.Stopped {
		fmt.Fprintf(os.Stderr, "\nstopped at step %d; checkpoint saved to %s (continue with -resume)\n", m.Step, ckptPath)
		return nil
	}
	return finishImage(m, images, out, *f.samples, *f.evalN, counter, res)
}

// imageMetrics scores n held-out (or training) images and n samples by
// the energy E(x, 0) and, with a classifier, counts the samples'
// StackedMNIST modes and measures their Fréchet distance to the held-out
// images in the classifier's features; it stops with ctx's error once ctx
// is done.
func imageMetrics(ctx context.Context, m *ddaebm.Model, images *ddaebm.ImageData, n int, counter *classify.Classifier) (map[string]float64, error) {
	samples, err := m.Sample(ctx, n, rand.New(rand.NewPCG(m.Config.Seed, uint64(m.Step))))
	if err != nil {
		return nil, err
	}
	real := images.Test
	if real == nil {
		real = images.Train
	}
	real = tensor.FromSlice(min(n, real.R), real.C, real.Data[:min(n, real.R)*real.C])
	eReal, err := m.EnergyAt(ctx, data.SignedSpace.FromPixels(real, nil), 0)
	if err != nil {
		return nil, err
	}
	eFake, err := m.EnergyAt(ctx, samples, 0)
	if err != nil {
		return nil, err
	}
	mt := map[string]float64{
		"iters": float64(m.Step), "n": float64(n),
		"energy_data_mean": mean(eReal), "energy_samples_mean": mean(eFake),
		"auroc_data_vs_samples": metrics.AUROC(eReal, eFake),
	}
	if counter != nil {
		pixels, err := m.StackedMNISTPixels(samples, m.Traits().Space)
		if err != nil {
			return nil, err
		}
		labels, err := counter.StackedLabels(pixels)
		if err != nil {
			return nil, err
		}
		covered, kl := metrics.LabelCoverage(labels, data.StackedMNISTClasses)
		mt["modes_covered"], mt["kl_uniform"] = float64(covered), kl
		mt["kl_sampling_floor"] = metrics.UniformKLFloor(data.StackedMNISTClasses, n)
		// The Fréchet distance to the held-out images, and that of as many
		// training images: the floor a perfect model reaches at this n.
		digits := func(pixels *tensor.Dense) (*tensor.Dense, error) {
			return m.StackedMNISTPixels(data.SignedSpace.FromPixels(pixels, nil), data.SignedSpace)
		}
		realDigits, err := digits(real)
		if err != nil {
			return nil, err
		}
		trainDigits, err := digits(tensor.FromSlice(real.R, real.C, images.Train.Data[:real.R*real.C]))
		if err != nil {
			return nil, err
		}
		if mt["fd_classifier"], err = counter.FrechetDistance(pixels, realDigits); err != nil {
			return nil, err
		}
		if mt["fd_classifier_floor"], err = counter.FrechetDistance(trainDigits, realDigits); err != nil {
			return nil, err
		}
	}
	return mt, nil
}

// describeImageMetrics is imageMetrics's result on one line.
func describeImageMetrics(mt map[string]float64) string {
	s := fmt.Sprintf("E(data) %.1f, E(samples) %.1f, AUROC data vs samples %.3f", mt["energy_data_mean"], mt["energy_samples_mean"], mt["auroc_data_vs_samples"])
	if c, ok := mt["modes_covered"]; ok {
		s += fmt.Sprintf(", %d modes, KL %.3f (floor %.3f at n = %d), classifier FD %.1f (floor %.1f)", int(c), mt["kl_uniform"], mt["kl_sampling_floor"], int(mt["n"]), mt["fd_classifier"], mt["fd_classifier_floor"])
	}
	return s
}

// describeImageRun prints the networks' sizes before training starts.
func describeImageRun(m *ddaebm.Model, images *ddaebm.ImageData) {
	count := func(net any) float64 {
		n := 0
		for _, p := range nn.Params(net) {
			n += p.Value.Len()
		}
		return float64(n) / 1e6
	}
	fmt.Fprintf(os.Stderr, "%d training images of %dx%dx%d; parameters: energy %.2fM, generator %.2fM, encoder %.2fM\n",
		images.Train.R, images.Image.H, images.Image.W, images.Image.C, count(m.Energy), count(m.Generator), count(m.Encoder))
}

// finishImage writes samples, their picture, and the evaluation of
// imageMetrics on n images.
func finishImage(m *ddaebm.Model, images *ddaebm.ImageData, out string, nSamples, n int, counter *classify.Classifier, res ddaebm.TrainResult) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(m.Config.Seed, uint64(m.Step)+1))
	samples, err := m.Sample(ctx, nSamples, rng)
	if err != nil {
		return err
	}
	im := images.Image
	planes, err := data.FromImageRows(samples, im, 0)
	if err != nil {
		return err
	}
	if err := cli.WriteArray(filepath.Join(out, "samples.npy"), planes, nSamples, im.C, im.H, im.W); err != nil {
		return err
	}
	if err := cli.WriteImageGrid(filepath.Join(out, "samples.png"), data.SignedSpace.ToPixels(planes)); err != nil {
		return err
	}
	mt, err := imageMetrics(ctx, m, images, n, counter)
	if err != nil {
		return err
	}
	summary := map[string]any{
		"ms_per_iter_median": res.MsPerIterMed, "energy_weights": m.ScoringWeights(), "sample_weights": m.SamplingWeights(),
	}
	for k, v := range mt {
		summary[k] = v
	}
	summary["iters"] = m.Step
	return writeMetrics(out, summary)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
