// Command sample draws samples from a trained DDAEBM checkpoint with
// NFE = T generator steps and writes them as .npy (and, for 2-D data, a
// scatter PNG).
//
//	go run ./cmd/sample -checkpoint runs/x/checkpoint.npz -n 5000 -out runs/x/samples.npy
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
)

func main() { cli.Exit("sample", run(os.Args[1:])) }

func run(args []string) error {
	flags := flag.NewFlagSet("sample", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint written by train (required)", cli.GeneratorWeights|cli.BNStatistics)
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "Usage: sample -checkpoint FILE [flags]\n\nDraws samples x_T ~ N(0, I) → x_0 through the generator's T denoising steps.\n\nFlags:")
		flags.PrintDefaults()
	}
	n := flags.Int("n", 5000, "number of samples")
	seed := flags.Uint64("seed", 0, "random seed of the sampler")
	out := flags.String("out", "samples.npy", "output .npy file (n×D float32; n×C×H×W in [−1, 1] for an image model)")
	png := flags.String("png", "", "also draw a PNG: a scatter over fresh data (2-D models), a grid of up to 100 images (image models)")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if model.Checkpoint() == "" {
		return cli.Usagef("-checkpoint is required")
	}
	if *n < 1 {
		return cli.Usagef("-n must be positive, got %d", *n)
	}
	if *png != "" && !strings.HasSuffix(*png, ".png") {
		return cli.Usagef("-png %q must end in .png", *png)
	}
	m, bn, err := model.Load()
	if err != nil {
		return err
	}
	samples, err := m.SampleWith(cli.WithWorkProgress(context.Background(), "sampling"), *n, rand.New(rand.NewPCG(*seed, 0)), bn)
	if err != nil {
		return err
	}
	if im, ok := m.ImageLayout(); ok {
		planes, err := data.FromImageRows(samples, im, 0)
		if err != nil {
			return err
		}
		if err := cli.WriteArray(*out, planes, *n, im.C, im.H, im.W); err != nil {
			return err
		}
		if *png != "" {
			if err := cli.WriteImageGrid(*png, data.SignedSpace.ToPixels(planes)); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "wrote %d images of %dx%dx%d to %s\n", *n, im.C, im.H, im.W, *out)
		return nil
	}
	if err := cli.WriteMatrix(*out, samples); err != nil {
		return err
	}
	if *png != "" {
		if m.Config.Dim != 2 {
			return fmt.Errorf("-png needs a 2-D model; this one has dimension %d", m.Config.Dim)
		}
		lim := data.ToyLimit(m.Config.Data)
		if lim == 0 {
			lim = 4
		}
		ref, _ := data.Toy(m.Config.Data, *n, rand.New(rand.NewPCG(*seed, 1)))
		title := fmt.Sprintf("%d samples, %d iterations", *n, m.Step)
		if err := cli.SamplesPNG(*png, lim, title, samples, ref); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %d×%d samples to %s\n", samples.R, samples.C, *out)
	return nil
}
