// Command train trains a DDAEBM on a 2-D toy set (or an N×D .npy file) and
// writes, into -out: config.json, checkpoint.npz, samples.npy and
// metrics.json, for 2-D data density.png and samples.png, and for a toy
// set with -eval-every metrics.jsonl.
//
//	go run ./cmd/train -data 25gaussians -iters 20000 -seed 0 -out runs/x
//
// -resume continues from -out/checkpoint.npz, also after the process was
// killed: checkpoints are written atomically every -checkpoint-every
// iterations and on Ctrl-C. It keeps the run's settings (-iters,
// -checkpoint-every, …), which config.json records, unless they are given
// again, and trains only on the data file the run recorded.
//
// The mnist subcommand trains on MNIST with the NICE_t energy (or its
// baselines) and reports the exact test log-likelihood:
//
//	go run ./cmd/train mnist -preset cpu -out runs/mnist
//	go run ./cmd/train mnist -mle -out runs/mnist-mle
//
// The image subcommand trains the U-Net models on images (StackedMNIST,
// MNIST or an N×C×H×W .npy file):
//
//	go run ./cmd/train image -data stackedmnist -config xs -iters 1000 -out runs/image
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/metrics"
)

const usage = `Usage: train [flags]

Trains a Denoising Diffusion Adversarial EBM. -data is a toy set (%s)
or the path of an N×D .npy file. Defaults follow the paper (Geng et al., ICML 2024):
T = 4, β = 0.1…20, γ = 0.02, Adam(0, 0.9), lr 1e-4, batch 200; the entropy
bound's weight w_ent is 0.1 as in the authors' released code (eq. 17 of the
paper has 1: -w-ent 1).

Outputs in -out: config.json, checkpoint.npz, samples.npy and metrics.json;
for 2-D data (a toy set or an N×2 file) also density.png and samples.png;
for a toy set with -eval-every, metrics.jsonl. A toy set's metrics use fresh
points of it; a file's use its own rows (mmd_train, and grid_nll_train for
2-D), as it has no known density and no held-out part.

MNIST with the NICE_t energy: train mnist [flags] (train mnist -help).
Images with U-Nets: train image [flags] (train image -help).

Flags:
`

// runSettings are the flags of a run beyond the model's configuration,
// which config.json keeps and -resume restores (see resumeRun).
var runSettings = [][]string{{"iters"}, {"checkpoint-every"}, {"eval-every"}, {"eval-samples"}}

func main() { cli.Exit("train", run(os.Args[1:])) }

func run(args []string) error {
	if len(args) > 0 && args[0] == "mnist" {
		return runMNIST(args[1:])
	}
	if len(args) > 0 && args[0] == "image" {
		return runImage(args[1:])
	}
	flags := flag.NewFlagSet("train", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), usage, strings.Join(data.ToyNames(), ", "))
		flags.PrintDefaults()
	}
	cfg := ddaebm.DefaultToyConfig("25gaussians")
	flags.StringVar(&cfg.Data, "data", cfg.Data, "toy set name or path of an N×D .npy file")
	flags.IntVar(&cfg.T, "T", cfg.T, "diffusion steps (NFE of sampling); T = 1 is a plain adversarial EBM")
	flags.Float64Var(&cfg.BetaMin, "beta-min", cfg.BetaMin, "β_min of the VP schedule")
	flags.Float64Var(&cfg.BetaMax, "beta-max", cfg.BetaMax, "β_max of the VP schedule")
	flags.StringVar(&cfg.Schedule, "schedule", cfg.Schedule, "time schedule: vp (equidistant) or drl")
	flags.Float64Var(&cfg.Gamma, "gamma", cfg.Gamma, "gradient-penalty weight γ")
	flags.Float64Var(&cfg.WFake, "w-fake", cfg.WFake, "weight of E on fakes in the energy loss")
	flags.Float64Var(&cfg.WEnt, "w-ent", cfg.WEnt, "weight of the entropy bound in the generator loss (eq. 17 of the paper: 1; default: 0.1, as the authors' released code)")
	flags.Float64Var(&cfg.LambdaW, "lambda-w", cfg.LambdaW, "importance ratio w (eq. 21)")
	flags.Float64Var(&cfg.LambdaWMid, "lambda-w-mid", cfg.LambdaWMid, "importance ratio w_mid (eq. 21)")
	flags.Float64Var(&cfg.PostVarFloor, "post-var-floor", cfg.PostVarFloor, "floor of the posterior variance inside L2")
	ablation := flags.String("ablation", string(cfg.Ablation), "generator loss: full, kl-only, no-encoder or no-latent")
	flags.IntVar(&cfg.ZDim, "z-dim", cfg.ZDim, "latent dimension")
	flags.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "width of the trunk layers")
	flags.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate (both players)")
	flags.Float64Var(&cfg.Beta1, "adam-beta1", cfg.Beta1, "Adam β1")
	flags.Float64Var(&cfg.Beta2, "adam-beta2", cfg.Beta2, "Adam β2")
	flags.IntVar(&cfg.Batch, "batch", cfg.Batch, "batch size")
	flags.Float64Var(&cfg.EMA, "ema", cfg.EMA, "decay of the generator's weight average used for sampling (0: off)")
	setEnergyOptions := energyOptionFlags(flags, &cfg)
	flags.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed (weights, data, noise)")
	iters := flags.Int64("iters", 20000, "train until this many iterations in total")
	out := flags.String("out", "runs/latest", "output directory")
	resume := flags.Bool("resume", false, "continue from -out/checkpoint.npz, with the run settings -out/config.json records (flags given here override them)")
	ckptEvery := flags.Int64("checkpoint-every", 1000, "write a checkpoint every N iterations")
	evalEvery := flags.Int64("eval-every", 0, "evaluate every N iterations into metrics.jsonl (0: only at the end)")
	evalSamples := flags.Int("eval-samples", 5000, "test points and samples for each evaluation")
	device := cli.DeviceFlag(flags)
	quiet := flags.Bool("quiet", false, "no progress line")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	cfg.Ablation = ddaebm.Ablation(*ablation)
	setEnergyOptions()
	ckptPath := filepath.Join(*out, "checkpoint.npz")
	var m *ddaebm.Model
	if *resume {
		var err error
		if m, err = resumeRun(flags, *out, runSettings); err != nil {
			return err
		}
		if err := clearKilledRun(*out, m.Step); err != nil {
			return err
		}
		cfg = m.Config
	}
	dev, err := cli.Device(*device)
	if err != nil {
		return err
	}
	if *iters < 1 || *ckptEvery < 0 || *evalEvery < 0 || *evalSamples < ddaebm.MinToyTestN {
		return cli.Usagef("-iters must be ≥ 1, -checkpoint-every and -eval-every ≥ 0, -eval-samples ≥ %d (the MMD's bandwidth is the median distance between test points), got %d, %d, %d and %d",
			ddaebm.MinToyTestN, *iters, *ckptEvery, *evalEvery, *evalSamples)
	}
	if m != nil {
		fmt.Fprintf(os.Stderr, "resuming %s at step %d\n", ckptPath, m.Step)
		if m.Step >= *iters {
			fmt.Fprintf(os.Stderr, "the checkpoint is already at step %d ≥ -iters %d: nothing to train, writing the outputs\n", m.Step, *iters)
		}
	}

	src, err := source(&cfg, m != nil)
	if err != nil {
		return err
	}
	if m == nil {
		if m, err = ddaebm.New(cfg); err != nil {
			return cli.ConfigError(err)
		}
		if _, err := os.Stat(ckptPath); err == nil {
			return cli.Usagef("%s already holds a checkpoint: pass -resume to continue it, or choose another -out", *out)
		}
	}
	// A resumed checkpoint from before data files were recorded by absolute
	// path and hash now records them, as config.json does.
	m.Config.Data, m.Config.DataSHA256 = cfg.Data, cfg.DataSHA256
	if err := m.UseDevice(dev); err != nil {
		return err
	}
	if w := m.Schedule.PriorWarning(); w != "" {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeRunConfig(*out, cfg, flags, runSettings); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, isToy := src.(*ddaebm.ToySource)
	eval := func(m *ddaebm.Model) (map[string]float64, error) {
		opt := ddaebm.DefaultToyEval(cfg.Data)
		opt.TestN, opt.SampleN = *evalSamples, *evalSamples
		r, err := m.EvaluateToy(context.Background(), opt)
		if err != nil {
			return nil, err
		}
		mt := cli.ToyMetrics(r)
		mt["iters"] = float64(m.Step)
		return mt, cli.AppendJSONLine(filepath.Join(*out, "metrics.jsonl"), mt)
	}
	progress := cli.NewProgress()
	opt := ddaebm.TrainOptions{
		Iters: *iters, CheckpointPath: ckptPath, CheckpointEvery: *ckptEvery,
		OnProgress: func(p ddaebm.Progress) bool {
			if !*quiet {
				progress.Update(p)
			}
			return true
		},
	}
	if isToy && *evalEvery > 0 {
		opt.EvalEvery, opt.Evaluate = *evalEvery, eval
	}
	res, err := m.Train(ctx, src, opt)
	if err != nil {
		return err
	}
	if res.Stopped {
		fmt.Fprintf(os.Stderr, "\nstopped at step %d; checkpoint saved to %s (continue with -resume)\n", m.Step, ckptPath)
		return nil
	}
	return finish(m, &cfg, *out, src, *evalSamples, res)
}

// finish writes samples, pictures and metrics of the trained model.
func finish(m *ddaebm.Model, cfg *ddaebm.Config, out string, src ddaebm.Source, n int, res ddaebm.TrainResult) error {
	summary := map[string]any{"iters": m.Step, "ms_per_iter_median": res.MsPerIterMed}
	switch src := src.(type) {
	case *ddaebm.ToySource:
		opt := ddaebm.DefaultToyEval(cfg.Data)
		opt.TestN, opt.SampleN = n, n
		r, err := m.EvaluateToy(context.Background(), opt)
		if err != nil {
			return err
		}
		for k, v := range cli.ToyMetrics(r) {
			summary[k] = v
		}
		summary["energy_weights"] = m.ScoringWeights()
		if m.ScoringWeights() == ddaebm.AveragedWeights {
			// What the average does: the same test points scored by the
			// last weights.
			if summary["grid_nll_last_weights"], err = lastWeightsNLL(m, r); err != nil {
				return err
			}
		}
		for _, k := range []string{"kl_grid", "modes_covered", "hq_fraction"} {
			if _, ok := summary[k]; !ok {
				summary[k] = nil // not defined for this data set
			}
		}
		if err := cli.WriteMatrix(filepath.Join(out, "samples.npy"), r.Samples); err != nil {
			return err
		}
		if err := cli.WriteToyPictures(out, cfg.Data, m.Step, r); err != nil {
			return err
		}
	case *ddaebm.ArraySource:
		if err := dataSetOutputs(m, src.X, rand.New(rand.NewPCG(cfg.Seed, uint64(m.Step))), out, n, summary); err != nil {
			return err
		}
	default:
		return fmt.Errorf("no outputs defined for a data source of type %T", src)
	}
	return writeMetrics(out, summary)
}

// writeMetrics writes out/metrics.json and shows it on stderr.
func writeMetrics(out string, summary map[string]any) error {
	if err := cli.WriteJSON(filepath.Join(out, "metrics.json"), summary); err != nil {
		return err
	}
	b, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s; metrics.json:\n%s\n", out, b)
	return nil
}

// lastWeightsNLL is the grid NLL of r's test points under the energy's
// last weights, on r's grid.
func lastWeightsNLL(m *ddaebm.Model, r *ddaebm.ToyReport) (float64, error) {
	prev := m.ScoreWeights
	m.ScoreWeights = ddaebm.LastWeights
	defer func() { m.ScoreWeights = prev }()
	ctx := context.Background()
	g, err := m.DensityGrid(ctx, r.Grid.Lim, r.Grid.N)
	if err != nil {
		return 0, err
	}
	return metrics.GridNLL(g, m.EnergyFunc(ctx), r.Test.Float64s())
}

// source returns the training data named by cfg.Data and sets cfg.Dim. A
// data file is recorded in cfg by absolute path and SHA-256; a resumed
// run trains only on the very file it recorded.
func source(cfg *ddaebm.Config, resumed bool) (ddaebm.Source, error) {
	if resumed && cfg.Data == "" {
		return nil, fmt.Errorf("the checkpoint names no data to resume on: its model was last trained on an array held in memory (Python's fit without checkpoint_dir); continue it in Python")
	}
	if !strings.HasSuffix(cfg.Data, ".npy") {
		s, err := ddaebm.NewToySource(cfg.Data)
		if err != nil {
			return nil, cli.Usagef("-data: %v (or give a .npy file)", err)
		}
		cfg.Dim = 2
		return s, nil
	}
	path, err := filepath.Abs(cfg.Data)
	if err != nil {
		return nil, err
	}
	ds, err := data.ReadDataset(path)
	if resumed && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("-resume: the run's data file %s is missing; put it back to continue the run", path)
	}
	if err != nil {
		return nil, err
	}
	if resumed && cfg.DataSHA256 != "" && ds.SHA256 != cfg.DataSHA256 {
		return nil, fmt.Errorf("-resume: the run's data file %s has changed since the run began (SHA-256 %s, recorded %s); restore it to continue the run, or start a new one", path, ds.SHA256, cfg.DataSHA256)
	}
	x := ds.X
	s, err := ddaebm.NewArraySource(x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if resumed && x.C != cfg.Dim {
		return nil, fmt.Errorf("-resume: the run's data file %s has %d values per example, the model %d", path, x.C, cfg.Dim)
	}
	cfg.Data, cfg.DataSHA256, cfg.Dim = path, ds.SHA256, x.C
	return s, nil
}

// energyOptionFlags registers the options beside the paper's energy loss,
// the same for every model family. The returned function sets them on cfg
// once the flags are parsed.
func energyOptionFlags(flags *flag.FlagSet, cfg *ddaebm.Config) (set func()) {
	flags.Float64Var(&cfg.EnergyEMA, "energy-ema", cfg.EnergyEMA, "decay of the energy's weight average, which scores (density, NLL, OOD) then use (0: off, as in the paper)")
	sites := make([]string, len(ddaebm.PenaltySites))
	for i, s := range ddaebm.PenaltySites {
		sites[i] = string(s)
	}
	site := flags.String("penalty-at", string(cfg.PenaltyAt), "where the gradient penalty is taken: "+strings.Join(sites, ", ")+" (interpolates: u·x_k + (1−u)·fake, u uniform); real is the paper's")
	return func() { cfg.PenaltyAt = ddaebm.PenaltySite(*site) }
}
