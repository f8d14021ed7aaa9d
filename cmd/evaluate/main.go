// Command evaluate scores data and measures trained DDAEBM checkpoints.
//
//	evaluate energy  -checkpoint C -points X.npy -out E.npy   per-point E(x, 0); test NLL for 2-D points
//	evaluate density -checkpoint C -out grid.npy -png density.png   grid-normalised density of a 2-D model
//	evaluate toy     -checkpoint C -out metrics.json            the toy metrics (NLL, KL, MMD, modes)
//	evaluate curve   -metrics runs/x/metrics.jsonl -png curve.png   plot a learning curve
//	evaluate inspect -data X.npy                                 shape, dtype and value range of a data set file
//	evaluate classifier -out K.npz                               train the MNIST classifier (≥ 99% test accuracy)
//	evaluate modes   -checkpoint C -classifier K -n 10000      StackedMNIST modes covered and KL to uniform
//	evaluate ood     -checkpoint C -out ood.json -png ood.png  OOD AUROC of E(x, 0) against MNIST test images
//	evaluate export  -checkpoint C -out DIR -n 50000           an image model's samples as PNG files for FID tools
//	evaluate fd      -checkpoint C -classifier K -n 10000      Fréchet distance in the classifier's features (not FID)
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/plot"
	"github.com/ddaebm/ddaebm/core/tensor"
)

const usage = `Usage: evaluate COMMAND [flags]

Commands:
  energy   per-point energies E(x, k) of an N×D .npy file, and for 2-D
           models the grid-normalised test NLL of the points
  density  the density exp(E(x, 0))/Z of a 2-D model on a grid: .npy and PNG
  toy      the toy-set metrics of a 2-D model: grid NLL, KL, MMD, modes, as JSON
  curve    plot metrics.jsonl (written by train -eval-every) as a PNG
  inspect  shape, dtype, size and min/max/mean of an N×D or N×C×H×W .npy
           data set (uint8 values divided by 255), or why it is unreadable
  classifier  train the MNIST digit classifier that mode counting uses
           (-out K.npz), or measure a saved one (-classifier K.npz)
  modes    StackedMNIST mode count of a StackedMNIST model (2352-dimensional
           rows or 3×32×32 images): modes covered of 1000 and
           KL(q_gen ‖ uniform), by the classifier, as JSON
  ood      out-of-distribution detection with E(x, 0): AUROC of MNIST test
           images against noise, constant, inverted and noisy images, the
           generator's fakes and any .npy sets (-extra), as JSON; histograms
  fd       Fréchet distance of an MNIST or StackedMNIST model's samples to the
           test images in the digit classifier's features, beside the
           training images' distance (the floor at that n); not FID
  export   an image model's samples as PNG files and a uint8 .npz, laid
           out for pytorch-fid and clean-fid (which bring the Inception
           weights)

Run 'evaluate COMMAND -help' for a command's flags.
`

func main() { cli.Exit("evaluate", run(os.Args[1:])) }

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return cli.Usagef("no command given")
	}
	switch args[0] {
	case "energy":
		return energyCmd(args[1:])
	case "density":
		return densityCmd(args[1:])
	case "toy":
		return toyCmd(args[1:])
	case "curve":
		return curveCmd(args[1:])
	case "inspect":
		return inspectCmd(args[1:], os.Stdout)
	case "classifier":
		return classifierCmd(args[1:], os.Stdout)
	case "modes":
		return modesCmd(args[1:], os.Stdout)
	case "ood":
		return oodCmd(args[1:], os.Stdout)
	case "export":
		return exportCmd(args[1:])
	case "fd":
		return fdCmd(args[1:], os.Stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(os.Stdout, usage)
		return nil
	}
	return cli.Usagef("unknown command %q (want energy, density, toy, curve, inspect, classifier, modes, ood, export or fd)", args[0])
}

// checkLimit rejects a -lim that is neither the default 0 nor a usable
// half-width: NaN, ±Inf and negative values are mistakes, not requests for
// the default, and a grid beyond ±ddaebm.MaxDataMagnitude lies outside the
// range of data a model trains on.
func checkLimit(lim float64) error {
	if !(lim >= 0 && lim <= ddaebm.MaxDataMagnitude) {
		return cli.Usagef("-lim must be 0 (the training set's extent) or a half-width > 0 and ≤ %g, got %v", ddaebm.MaxDataMagnitude, lim)
	}
	return nil
}

// gridLimit is the half-width to normalise a 2-D model's density on: lim,
// or for 0 the extent of the training set.
func gridLimit(m *ddaebm.Model, lim float64) float64 {
	if lim > 0 {
		return lim
	}
	if l := data.ToyLimit(m.Config.Data); l > 0 {
		return l
	}
	return 4
}

func energyCmd(args []string) error {
	flags := flag.NewFlagSet("evaluate energy", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint written by train (required)", cli.EnergyWeights)
	points := flags.String("points", "", "N×D .npy file of points to score (required)")
	out := flags.String("out", "energies.npy", "output .npy of N float32 energies")
	k := flags.Int("k", 0, "diffusion step to score at (0: the data-level energy)")
	lim := flags.Float64("lim", 0, "2-D only: least half-width of the normalisation grid, widened by halves to hold every point (0: the training set's)")
	gridN := flags.Int("grid-n", 300, "2-D only: grid cells per side")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *points == "" {
		return cli.Usagef("-points is required")
	}
	if err := checkLimit(*lim); err != nil {
		return err
	}
	if *gridN < 1 {
		return cli.Usagef("-grid-n must be at least 1, got %d", *gridN)
	}
	m, _, err := model.Load()
	if err != nil {
		return err
	}
	ds, err := data.ReadDataset(*points)
	if err != nil {
		return err
	}
	x := ds.X
	if x.C != m.Config.Dim {
		return fmt.Errorf("%s has %d columns; the model expects %d", *points, x.C, m.Config.Dim)
	}
	ctx := context.Background()
	e, err := m.EnergyAt(ctx, x, *k)
	if err != nil {
		return err
	}
	if err := cli.WriteVector(*out, e); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d energies to %s (mean %.4f, %s energy weights)\n", len(e), *out, mean(e), m.ScoringWeights())
	if m.Config.Dim == 2 && *k == 0 {
		nll, g, err := m.GridNLL(ctx, x, gridLimit(m, *lim), *gridN)
		if err != nil {
			return err
		}
		fmt.Printf("test NLL %.4f nats (density normalised on a %d×%d grid over [-%g, %g]²)\n", nll, *gridN, *gridN, g.Lim, g.Lim)
	}
	return nil
}

func densityCmd(args []string) error {
	flags := flag.NewFlagSet("evaluate density", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint written by train (required)", cli.EnergyWeights)
	out := flags.String("out", "density.npy", "output .npy: N×N log-density, row 0 at y = -lim")
	png := flags.String("png", "density.png", "output heat map of the density (empty: none)")
	lim := flags.Float64("lim", 0, "half-width of the grid (0: the training set's)")
	gridN := flags.Int("grid-n", 300, "grid cells per side")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *gridN < 2 {
		return cli.Usagef("-grid-n must be at least 2, got %d", *gridN)
	}
	if err := checkLimit(*lim); err != nil {
		return err
	}
	m, _, err := model.Load()
	if err != nil {
		return err
	}
	g, err := m.DensityGrid(context.Background(), gridLimit(m, *lim), *gridN)
	if err != nil {
		return err
	}
	d := tensor.New(g.N, g.N)
	for i, v := range g.LogP {
		d.Data[i] = tensor.Float(v)
	}
	if err := cli.WriteMatrix(*out, d); err != nil {
		return err
	}
	if *png != "" {
		if err := cli.DensityPNG(*png, g, fmt.Sprintf("exp(E(x,0)) after %d iterations", m.Step)); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %s (log-density, log Z = %.4f) and %s\n", *out, g.LogZ, *png)
	return nil
}

func toyCmd(args []string) error {
	flags := flag.NewFlagSet("evaluate toy", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint written by train (required)", cli.EnergyWeights|cli.GeneratorWeights)
	name := flags.String("data", "", "toy set to compare with (default: the training set)")
	out := flags.String("out", "", "write the metrics as JSON to this file (default: stdout only)")
	pictures := flags.String("pictures", "", "also write density.png and samples.png into this directory")
	n := flags.Int("n", 5000, "test points and samples")
	gridN := flags.Int("grid-n", 300, "grid cells per side")
	seed := flags.Uint64("seed", 12345, "seed of the test points and samples")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *n < ddaebm.MinToyTestN || *gridN < 1 {
		return cli.Usagef("-n must be at least %d (the MMD's bandwidth is the median distance between test points) and -grid-n at least 1, got %d and %d", ddaebm.MinToyTestN, *n, *gridN)
	}
	m, _, err := model.Load()
	if err != nil {
		return err
	}
	if *name == "" {
		*name = m.Config.Data
	}
	opt := ddaebm.DefaultToyEval(*name)
	opt.TestN, opt.SampleN, opt.GridN, opt.Seed = *n, *n, *gridN, *seed
	r, err := m.EvaluateToy(context.Background(), opt)
	if err != nil {
		return err
	}
	mt := map[string]any{"iters": m.Step, "energy_weights": m.ScoringWeights(), "generator_weights": m.SamplingWeights()}
	for k, v := range cli.ToyMetrics(r) {
		mt[k] = v
	}
	b, _ := json.MarshalIndent(mt, "", "  ")
	fmt.Println(string(b))
	if *out != "" {
		if err := cli.WriteJSON(*out, mt); err != nil {
			return err
		}
	}
	if *pictures != "" {
		if err := os.MkdirAll(*pictures, 0o755); err != nil {
			return err
		}
		return cli.WriteToyPictures(*pictures, *name, m.Step, r)
	}
	return nil
}

func curveCmd(args []string) error {
	flags := flag.NewFlagSet("evaluate curve", flag.ContinueOnError)
	in := flags.String("metrics", "", "metrics.jsonl written by train -eval-every (required)")
	png := flags.String("png", "curve.png", "output PNG")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *in == "" {
		return cli.Usagef("-metrics is required")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var rows []map[string]float64
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r map[string]float64
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("%s line %d: %v (want one JSON object of numbers per line)", *in, line, err)
		}
		if _, ok := r["iters"]; !ok {
			return fmt.Errorf("%s line %d has no \"iters\" field", *in, line)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s holds no evaluations", *in)
	}
	xs := make([]float64, len(rows))
	keys := map[string]bool{}
	for i, r := range rows {
		xs[i] = r["iters"]
		for k := range r {
			// grid_lim is the grid the NLL was normalised on, not a measure.
			keys[k] = k != "iters" && k != "grid_lim"
		}
	}
	var names []string
	for k, ok := range keys {
		if ok {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("%s has no metric besides \"iters\" to plot", *in)
	}
	sort.Strings(names)
	var series []plot.Series
	for _, k := range names {
		ys := make([]float64, len(rows))
		for i, r := range rows {
			v, ok := r[k]
			if !ok {
				v = math.NaN()
			}
			ys[i] = v
		}
		series = append(series, plot.Series{Name: k, Ys: ys})
	}
	if err := plot.Lines(*png, "learning curve: "+*in, xs, series); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d evaluations, %d metrics)\n", *png, len(rows), len(series))
	return nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
