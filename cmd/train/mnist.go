package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/tensor"
)

const mnistUsage = `Usage: train mnist [flags]

Trains on MNIST (dequantised, in logit space) with the NICE_t energy, whose
E(x, 0) is an exact log-density, and scores the 10000 test digits: mean
log-likelihood in nats in logit space and bits/dim in pixel space. Defaults
follow the paper (§4.2, Tables 7 and 10): T = 4, β 0.1…10, w_fake = 0.1,
γ = 0.02, Adam(0, 0.9), lr 1e-4, batch 128, z 50, widths 1000 (NICE) and
1600 (generator, encoder); w_ent = 0.1 as in the authors' released code
(eq. 17 of the paper has 1: -w-ent 1). Baselines by the same code: -mle (the NICE flow
by exact maximum likelihood, no generator) and -ablation no-encoder.

-preset chooses the length (an epoch is ⌈60000/batch⌉ = 469 iterations):
  cpu   about 30 minutes on 2 cores: 3 epochs, or 15 with -mle
  full  the paper's 400 epochs (a GPU's work: -device auto, the default,
        takes the first CUDA GPU the driver finds; -device cuda insists on one)
-epochs or -iters override it.

Outputs in -out: config.json, checkpoint.npz, metrics.json, metrics.jsonl
(with -eval-every), flow_samples.npy/.png (exact samples of the NICE
density, pixel space) and, unless -mle, samples.npy/.png (the generator,
NFE = T).

Flags:
`

// evalSeed fixes the test points (ddaebm.EvalSeed).
const evalSeed = ddaebm.EvalSeed

// mnistRunSettings are the flags of an MNIST run beyond the model's
// configuration, which config.json keeps and -resume restores (see
// resumeRun); -preset, -epochs and -iters together decide the length.
var mnistRunSettings = [][]string{
	{"preset", "epochs", "iters"}, {"checkpoint-every"}, {"eval-every"}, {"eval-n"}, {"samples"}, {"bn-stats"}, {"mnist-dir"},
}

func runMNIST(args []string) error {
	flags := flag.NewFlagSet("train mnist", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), mnistUsage)
		flags.PrintDefaults()
	}
	cfg := ddaebm.DefaultMNISTConfig()
	dataset := flags.String("data", "mnist", "mnist, or stackedmnist: three random training digits as the channels of one 3×28×28 image (1000 modes; 60000 images drawn once from -seed)")
	flags.BoolVar(&cfg.MLE, "mle", cfg.MLE, "train the NICE energy alone by exact maximum likelihood of E(x, 0) (baseline)")
	ablation := flags.String("ablation", string(cfg.Ablation), "generator loss: full, kl-only, no-encoder or no-latent")
	flags.IntVar(&cfg.T, "T", cfg.T, "diffusion steps (NFE of sampling)")
	flags.Float64Var(&cfg.BetaMin, "beta-min", cfg.BetaMin, "β_min of the VP schedule")
	flags.Float64Var(&cfg.BetaMax, "beta-max", cfg.BetaMax, "β_max of the VP schedule")
	flags.Float64Var(&cfg.Gamma, "gamma", cfg.Gamma, "gradient-penalty weight γ")
	flags.Float64Var(&cfg.WFake, "w-fake", cfg.WFake, "weight of E on fakes in the energy loss")
	flags.Float64Var(&cfg.WEnt, "w-ent", cfg.WEnt, "weight of the entropy bound in the generator loss (eq. 17 of the paper: 1; default: 0.1, as the authors' released code)")
	flags.IntVar(&cfg.ZDim, "z-dim", cfg.ZDim, "latent dimension")
	flags.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "width of the NICE shift networks")
	flags.IntVar(&cfg.GenHidden, "gen-hidden", cfg.GenHidden, "base width of the generator and encoder (their widest layers have twice this)")
	flags.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate")
	flags.Float64Var(&cfg.Beta1, "adam-beta1", cfg.Beta1, "Adam β1")
	flags.Float64Var(&cfg.Beta2, "adam-beta2", cfg.Beta2, "Adam β2")
	flags.IntVar(&cfg.Batch, "batch", cfg.Batch, "batch size")
	flags.Float64Var(&cfg.EMA, "ema", cfg.EMA, "decay of the generator's weight average used for sampling (0: off)")
	setEnergyOptions := energyOptionFlags(flags, &cfg)
	flags.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed (weights, batches, noise)")
	preset := flags.String("preset", "cpu", "length of the run: cpu (about 30 min on 2 cores) or full (400 epochs)")
	epochs := flags.Float64("epochs", 0, "train this many epochs in total (overrides -preset)")
	iters := flags.Int64("iters", 0, "train until this many iterations in total (overrides -preset and -epochs)")
	out := flags.String("out", "runs/mnist", "output directory")
	resume := flags.Bool("resume", false, "continue from -out/checkpoint.npz, with the run settings -out/config.json records (flags given here override them)")
	ckptEvery := flags.Int64("checkpoint-every", 200, "write a checkpoint every N iterations")
	evalEvery := flags.Int64("eval-every", 0, "score test digits every N iterations into metrics.jsonl (0: only at the end)")
	evalN := flags.Int("eval-n", 10000, "test digits scored by each -eval-every evaluation (the final one scores all 10000)")
	nSamples := flags.Int("samples", 100, "images to sample at the end")
	mnistDir := flags.String("mnist-dir", "", "directory of the four MNIST files (default: $"+data.MNISTDirEnv+", else the GoMNIST module)")
	quiet := flags.Bool("quiet", false, "no progress line")
	device := cli.DeviceFlag(flags)
	bnFlag := cli.BNStatsFlag(flags)
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	ckptPath := filepath.Join(*out, "checkpoint.npz")
	var m *ddaebm.Model
	if *resume {
		var err error
		if m, err = resumeRun(flags, *out, mnistRunSettings); err != nil {
			return err
		}
		// train mnist serves batches of dequantised logits (MNISTSource).
		if sp := m.Traits().Space; sp != data.LogitSpace {
			return cli.Usagef("%s holds a %q model, which works in %s space, not on the logit-space MNIST train mnist serves (use train without the mnist subcommand)", ckptPath, m.Config.Model, sp)
		}
		if err := clearKilledRun(*out, m.Step); err != nil {
			return err
		}
		cfg = m.Config
		fmt.Fprintf(os.Stderr, "resuming %s at step %d\n", ckptPath, m.Step)
	}
	if *mnistDir != "" { // recorded absolute in config.json, for a resume from anywhere
		abs, err := filepath.Abs(*mnistDir)
		if err != nil {
			return err
		}
		*mnistDir = abs
	}
	bn, err := cli.BNStats(*bnFlag)
	if err != nil {
		return err
	}
	dev, err := cli.Device(*device)
	if err != nil {
		return err
	}
	if !*resume {
		cfg.Ablation = ddaebm.Ablation(*ablation)
		setEnergyOptions()
		switch *dataset {
		case ddaebm.MNISTData:
		case ddaebm.StackedMNISTData:
			cfg.Data, cfg.Dim = *dataset, data.StackedMNISTDim
		default:
			return cli.Usagef("-data %q is not known (want mnist or stackedmnist)", *dataset)
		}
	}
	if *preset != "cpu" && *preset != "full" {
		return cli.Usagef("-preset %q is not known (want cpu or full)", *preset)
	}
	if !(*epochs >= 0) || math.IsInf(*epochs, 1) {
		return cli.Usagef("-epochs must be a finite number ≥ 0 (0: the preset's), got %v", *epochs)
	}
	if *iters < 0 || *ckptEvery < 0 || *evalEvery < 0 || *evalN < 1 || *nSamples < 1 {
		return cli.Usagef("-iters, -checkpoint-every and -eval-every must be ≥ 0, -eval-n and -samples ≥ 1")
	}

	if m == nil {
		var err error
		if m, err = ddaebm.New(cfg); err != nil {
			return cli.ConfigError(err)
		}
		if _, err := os.Stat(ckptPath); err == nil {
			return cli.Usagef("%s already holds a checkpoint: pass -resume to continue it, or choose another -out", *out)
		}
	}

	mn, err := data.LoadMNIST(*mnistDir)
	if err != nil {
		return err
	}
	train, test := mn.Train.X, mn.Test.X
	if cfg.Data == ddaebm.StackedMNISTData {
		if train, test, err = stackImages(mn, cfg.Seed); err != nil {
			return err
		}
	}
	src, err := ddaebm.NewMNISTSource(train)
	if err != nil {
		return err
	}
	if !*resume && m.GeneratorStartsAtData() {
		if err := m.MatchGeneratorToSource(src); err != nil {
			return err
		}
	}
	if err := m.UseDevice(dev); err != nil {
		return err
	}
	testSet := ddaebm.MNISTTestSet(test, evalSeed)
	evalSet := tensor.FromSlice(min(*evalN, testSet.R), testSet.C, testSet.Data[:min(*evalN, testSet.R)*testSet.C])

	perEpoch := ddaebm.ItersPerEpoch(train.R, cfg.Batch)
	total := *iters
	if total == 0 {
		e := *epochs
		if e == 0 {
			e = presetEpochs(*preset, cfg.MLE)
		}
		n := math.Round(e * float64(perEpoch))
		if n >= math.MaxInt64 {
			return cli.Usagef("-epochs %v is %g iterations, more than an int64 counts", e, n)
		}
		total = max(1, int64(n))
	}
	if m.Step >= total {
		fmt.Fprintf(os.Stderr, "the checkpoint is already at step %d ≥ %d: nothing to train, writing the outputs\n", m.Step, total)
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeRunConfig(*out, cfg, flags, mnistRunSettings); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d iterations (%.2f epochs of %d), batch %d\n",
		objective(&cfg), total, float64(total)/float64(perEpoch), perEpoch, cfg.Batch)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := cli.NewProgress()
	progress.MLE = cfg.MLE
	opt := ddaebm.TrainOptions{
		Iters: total, CheckpointPath: ckptPath, CheckpointEvery: *ckptEvery,
		OnProgress: func(p ddaebm.Progress) bool {
			if *quiet {
				return true
			}
			mt := p.Metrics
			p.Metrics = nil // the toy metrics line does not know these keys
			progress.Update(p)
			if mt != nil {
				fmt.Fprintf(os.Stderr, "\n  eval at step %d on %d test digits: %.2f nats (logit space), %.4f bits/dim\n",
					p.Step, int(mt["n"]), mt["test_ll_logit_nats"], mt["bits_per_dim"])
			}
			return true
		},
	}
	if *evalEvery > 0 {
		opt.EvalEvery = *evalEvery
		opt.Evaluate = func(m *ddaebm.Model) (map[string]float64, error) {
			r, err := m.TestLogLikelihood(context.Background(), evalSet)
			if err != nil {
				return nil, err
			}
			mt := llMetrics(r)
			mt["iters"] = float64(m.Step)
			mt["epochs"] = float64(m.Step) / float64(perEpoch)
			return mt, cli.AppendJSONLine(filepath.Join(*out, "metrics.jsonl"), mt)
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
	return finishMNIST(m, *out, testSet, *nSamples, bn, perEpoch, res)
}

// presetEpochs is the length of a preset in epochs. The cpu preset is
// sized from the median step times of the full-size model measured on 2
// cores, 1.06 s per DDAEBM iteration and 0.22 s per maximum-likelihood
// step: about 25 minutes of training either way, plus the evaluations
// (slower when the machine has other work).
// stackImages returns StackedMNIST training images (60000, drawn from the
// training digits with seed) and test images (10000, from the test digits,
// fixed by evalSeed so every run is scored on the same images).
func stackImages(mn *data.MNIST, seed uint64) (train, test *tensor.Dense, err error) {
	tr, err := data.StackedMNIST(mn.Train, mn.Train.X.R, rand.New(rand.NewPCG(seed, 3)))
	if err != nil {
		return nil, nil, err
	}
	te, err := data.StackedMNIST(mn.Test, mn.Test.X.R, rand.New(rand.NewPCG(evalSeed, 3)))
	if err != nil {
		return nil, nil, err
	}
	return tr.X, te.X, nil
}

func presetEpochs(preset string, mle bool) float64 {
	switch {
	case preset == "full":
		return 400
	case mle:
		return 15
	default:
		return 3
	}
}

func objective(cfg *ddaebm.Config) string {
	if cfg.MLE {
		return "maximum likelihood of the NICE energy"
	}
	return "DDAEBM (" + string(cfg.Ablation) + ")"
}

func llMetrics(r ddaebm.LLReport) map[string]float64 {
	return map[string]float64{
		"n": float64(r.N), "test_ll_logit_nats": r.LogitNats,
		"test_ll_pixel_nats": r.PixelNats, "bits_per_dim": r.BitsPerDim,
	}
}

// finishMNIST scores the whole test set and writes samples and metrics.
func finishMNIST(m *ddaebm.Model, out string, test *tensor.Dense, n int, bn ddaebm.BNStats, perEpoch int64, res ddaebm.TrainResult) error {
	r, err := m.TestLogLikelihood(context.Background(), test)
	if err != nil {
		return err
	}
	summary := map[string]any{
		"iters": m.Step, "epochs": float64(m.Step) / float64(perEpoch), "ms_per_iter_median": res.MsPerIterMed,
		"objective": objective(&m.Config),
	}
	for k, v := range llMetrics(r) {
		summary[k] = v
	}
	rng := rand.New(rand.NewPCG(m.Config.Seed, uint64(m.Step)))
	flow, err := m.SampleFlow(context.Background(), n, rng)
	if err != nil {
		return err
	}
	if err := writeDigits(out, "flow_samples", data.Sigmoid(flow)); err != nil {
		return err
	}
	if !m.Config.MLE {
		s, err := m.SampleWith(context.Background(), n, rng, bn)
		if err != nil {
			return err
		}
		if err := writeDigits(out, "samples", data.Sigmoid(s)); err != nil {
			return err
		}
	}
	if err := cli.WriteJSON(filepath.Join(out, "metrics.json"), summary); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: test LL %.2f nats (logit space), %.2f nats and %.4f bits/dim (pixel space) on %d test digits after %d iterations\n",
		out, r.LogitNats, r.PixelNats, r.BitsPerDim, r.N, m.Step)
	return nil
}

// writeDigits saves pixel-space images (one per row, values in [0, 1]) as
// name.npy and as name.png, a grid of up to 10×10 images: grey for square
// images, colour for three square channels stored one after the other
// (StackedMNIST).
func writeDigits(dir, name string, x *tensor.Dense) error {
	if err := cli.WriteMatrix(filepath.Join(dir, name+".npy"), x); err != nil {
		return err
	}
	return cli.WriteImageGrid(filepath.Join(dir, name+".png"), x)
}
