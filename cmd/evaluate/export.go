package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/plot"
)

// exportChunk is how many images are sampled at once.
const exportChunk = 500

// exportCmd writes an image model's samples for the FID tools, which
// bring their own Inception weights: n PNG files (000000.png, …) and
// images.npz, their uint8 pixels as an (n, H, W, C) array "images".
func exportCmd(args []string) error {
	flags := flag.NewFlagSet("evaluate export", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint of an image model (train image)", cli.GeneratorWeights)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), exportUsage)
		flags.PrintDefaults()
	}
	n := flags.Int("n", 50000, "images to sample (50000 is the FID protocol's)")
	seed := flags.Uint64("seed", 12345, "seed of the samples")
	out := flags.String("out", "", "directory for the PNG files and images.npz (required)")
	quiet := flags.Bool("quiet", false, "no progress line")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *out == "" || *n < 1 {
		return cli.Usagef("-out is required and -n must be positive")
	}
	m, _, err := model.Load()
	if err != nil {
		return err
	}
	im, ok := m.ImageLayout()
	if !ok {
		return fmt.Errorf("%s holds a %q model, not an image model (train image)", model.Checkpoint(), m.Config.Model)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	pixels := make([]uint8, 0, *n*im.Size())
	rng := rand.New(rand.NewPCG(*seed, 0))
	start := time.Now()
	for done := 0; done < *n; {
		k := min(exportChunk, *n-done)
		x, err := m.Sample(context.Background(), k, rng)
		if err != nil {
			return err
		}
		pix, err := plot.WriteImagePNGs(*out, x, im.H, im.W, im.C, done)
		if err != nil {
			return err
		}
		pixels = append(pixels, pix...)
		done += k
		if !*quiet {
			el := time.Since(start)
			eta := time.Duration(float64(el) / float64(done) * float64(*n-done))
			fmt.Fprintf(os.Stderr, "\rexported %d/%d images, elapsed %s, ETA %s   ", done, *n, el.Round(time.Second), eta.Round(time.Second))
		}
	}
	if !*quiet {
		fmt.Fprintln(os.Stderr)
	}
	if err := plot.WriteImagesNPZ(filepath.Join(*out, "images.npz"), pixels, *n, im.H, im.W, im.C); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d PNG files and images.npz (%d×%d×%d×%d uint8) to %s, from %s at step %d (%s generator weights)\n",
		*n, *n, im.H, im.W, im.C, *out, model.Checkpoint(), m.Step, m.SamplingWeights())
	return nil
}

const exportUsage = `Usage: evaluate export -checkpoint C -out DIR [flags]

Samples an image model and writes what the FID tools read: DIR/000000.png,
… (uint8 pixels round((x + 1)/2·255)) and DIR/images.npz (the same pixels
as an (n, H, W, C) uint8 array "images"). No Inception weights ship with
this project; with internet access, compute the paper's FID against the
CIFAR-10 training images (saved as PNG files in a directory) with

  python -m pytorch_fid DIR CIFAR10_TRAIN_DIR
  python -c "from cleanfid import fid; print(fid.compute_fid('DIR', 'CIFAR10_TRAIN_DIR', mode='legacy_pytorch'))"

and report the tool and its version beside the number.

Flags:
`
