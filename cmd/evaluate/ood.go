package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/plot"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// oodCmd is the out-of-distribution evaluation of docs/ALGORITHM.md §8:
// the score is E(x, 0), and each OOD set is told from in-distribution
// test images by the AUROC of that score.
func oodCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("evaluate ood", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint written by train (required)", cli.EnergyWeights|cli.GeneratorWeights|cli.BNStatistics)
	inData := flags.String("data", "mnist", "in-distribution test images: mnist (the MNIST test set), stackedmnist (image models: its test images), or a .npy of pixel values in [0, 1] (uint8 divided by 255): N×D, or N×C×H×W for an image model")
	type extra struct {
		name string
		d    *data.Dataset
	}
	var extraSets []extra
	flags.Func("extra", "another OOD set, NAME=FILE.npy of pixel values in [0, 1], N×D or (image models) N×C×H×W, e.g. SVHN or CIFAR-100 (repeatable)", func(s string) error {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || path == "" {
			return fmt.Errorf("want NAME=FILE.npy, got %q", s)
		}
		d, err := data.ReadDataset(path)
		if err != nil {
			return err
		}
		extraSets = append(extraSets, extra{name, d})
		return nil
	})
	n := flags.Int("n", 0, "use the first N in-distribution images and N of every generated set (0: all)")
	seed := flags.Uint64("seed", 12345, "seed of the noise sets, the dequantisation and the generator's samples")
	space := flags.String("space", spaceAuto, spaceUsage)
	mnistDir := flags.String("mnist", "", "directory of the MNIST files (default: $"+data.MNISTDirEnv+", else the GoMNIST module)")
	out := flags.String("out", "ood.json", "output JSON: AUROC and mean score of every set")
	png := flags.String("png", "ood.png", "output histograms of the scores (empty: none)")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *n < 0 {
		return cli.Usagef("-n must be ≥ 0, got %d", *n)
	}
	m, bn, err := model.Load()
	if err != nil {
		return err
	}
	sp, err := modelSpace(*space, m)
	if err != nil {
		return err
	}
	// An image model reads its images as pixel-major rows, padded as it
	// was trained: every set is laid out so before it is scored.
	_, isImage := m.ImageLayout()
	inName, inPixels := *inData, (*tensor.Dense)(nil)
	switch {
	case isImage && (*inData == ddaebm.MNISTData || *inData == ddaebm.StackedMNISTData):
		images, err := ddaebm.LoadImageData(*inData, *mnistDir, m.Config.Seed, ddaebm.EvalSeed)
		if err != nil {
			return err
		}
		inPixels = images.Test
	case *inData == ddaebm.MNISTData:
		mnist, err := data.LoadMNIST(*mnistDir)
		if err != nil {
			return err
		}
		inPixels = mnist.Test.X
	default:
		d, err := data.ReadDataset(*inData)
		if err != nil {
			return err
		}
		inName, inPixels = "data", d.X
		if isImage {
			images, err := ddaebm.ImagesFromDataset(d)
			if err != nil {
				return fmt.Errorf("%s: %w", *inData, err)
			}
			inPixels = images.Train
		}
	}
	var extras []data.NamedSet
	for _, e := range extraSets {
		x := e.d.X
		if isImage {
			images, err := ddaebm.ImagesFromDataset(e.d)
			if err != nil {
				return fmt.Errorf("-extra %s: %w", e.name, err)
			}
			x = images.Train
		}
		extras = append(extras, data.NamedSet{Name: e.name, X: x})
	}
	if *n > 0 && *n < inPixels.R {
		inPixels = tensor.FromSlice(*n, inPixels.C, inPixels.Data[:*n*inPixels.C])
	}
	scored, err := m.ScoreOOD(context.Background(), inName, inPixels, extras, sp, bn, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	in, sets := scored[0], scored[1:]
	auroc, scores := map[string]float64{}, map[string][]float64{in.Name: in.Scores}
	for _, s := range sets {
		auroc[s.Name], scores[s.Name] = metrics.AUROC(in.Scores, s.Scores), s.Scores
	}
	means := map[string]float64{}
	for name, s := range scores {
		means[name] = mean(s)
	}
	result := map[string]any{
		"checkpoint": model.Checkpoint(), "iters": m.Step, "space": sp, "seed": *seed, "bn_stats": bn,
		"in_distribution": inName, "n": inPixels.R, "score": "E(x, 0)",
		"auroc": auroc, "mean_score": means,
	}
	if err := cli.WriteJSON(*out, result); err != nil {
		return err
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s %8s %14s\n%-16s %8s %14.4g\n", "set", "AUROC", "mean E(x,0)", inName, "-", means[inName])
	for _, s := range sets {
		fmt.Fprintf(&table, "%-16s %8.4f %14.4g\n", s.Name, auroc[s.Name], means[s.Name])
	}
	if _, err := io.WriteString(stdout, table.String()); err != nil {
		return err
	}
	if *png != "" {
		panels := make([][]plot.Series, len(sets))
		titles := make([]string, len(sets))
		for i, s := range sets {
			panels[i] = []plot.Series{{Name: inName, Ys: scores[inName]}, {Name: s.Name, Ys: scores[s.Name]}}
			titles[i] = fmt.Sprintf("E(x, 0): %s against %s, AUROC %.4f", inName, s.Name, auroc[s.Name])
		}
		if err := histogramGrid(*png, titles, panels); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s and %s\n", *out, *png)
		return nil
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
	return nil
}

// histogramGrid draws one plot.Histograms panel per entry, three to a row,
// into one PNG. One panel per OOD set rather than every set on one axis:
// each pair then gets bins on its own range, however far apart the sets'
// energies lie, and a legend that fits.
func histogramGrid(path string, titles []string, panels [][]plot.Series) error {
	dir, err := os.MkdirTemp("", "ood-histograms")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	const cols = 3
	var grid *image.RGBA
	for i, p := range panels {
		file := filepath.Join(dir, fmt.Sprintf("%d.png", i))
		if err := plot.Histograms(file, titles[i], p, 50); err != nil {
			return err
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			return err
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if grid == nil {
			rows := (len(panels) + cols - 1) / cols
			grid = image.NewRGBA(image.Rect(0, 0, cols*w, rows*h))
			draw.Draw(grid, grid.Bounds(), image.White, image.Point{}, draw.Src)
		}
		at := image.Pt(i%cols*w, i/cols*h)
		draw.Draw(grid, image.Rectangle{at, at.Add(image.Pt(w, h))}, img, img.Bounds().Min, draw.Src)
	}
	return npy.AtomicWriteFile(path, func(w io.Writer) error { return png.Encode(w, grid) })
}
