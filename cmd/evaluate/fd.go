package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// fdCmd is the Fréchet distance of a model's samples to the test images
// in the digit classifier's penultimate features (docs/IMAGES.md §8.2),
// with the distance of as many training images to the same test images
// beside it: the floor a perfect model would reach at this n. It is not
// FID: the features are the project's MNIST classifier's, not
// Inception's.
func fdCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("evaluate fd", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint of a model of MNIST or StackedMNIST (rows or 32×32 images)", cli.GeneratorWeights|cli.BNStatistics)
	classifier := flags.String("classifier", "", "MNIST classifier written by 'evaluate classifier -out' (required)")
	n := flags.Int("n", 10000, "samples, test images and training images (at most 10000, the test set)")
	seed := flags.Uint64("seed", 12345, "seed of the samples")
	space := flags.String("space", spaceAuto, spaceUsage)
	mnistDir := flags.String("mnist", "", "directory of the MNIST files (default: $"+data.MNISTDirEnv+", else the GoMNIST module)")
	out := flags.String("out", "", "also write the result as JSON to this file")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *classifier == "" {
		return cli.Usagef("-classifier is required")
	}
	if *n < 2 || *n > 10000 {
		return cli.Usagef("-n must be in 2..10000 (the test set's size), got %d", *n)
	}
	k, err := loadClassifier(*classifier)
	if err != nil {
		return err
	}
	m, bn, err := model.Load()
	if err != nil {
		return err
	}
	sp, err := modelSpace(*space, m)
	if err != nil {
		return err
	}
	samples, err := m.SampleWith(cli.WithWorkProgress(context.Background(), "sampling"), *n, rand.New(rand.NewPCG(*seed, 0)), bn)
	if err != nil {
		return err
	}
	pixels, err := m.DigitPixels(samples, sp)
	if err != nil {
		return err
	}
	mn, err := data.LoadMNIST(*mnistDir)
	if err != nil {
		return err
	}
	train, test := mn.Train.X, mn.Test.X
	name := ddaebm.MNISTData
	if pixels.C == data.StackedMNISTDim {
		// StackedMNIST as train image and train mnist draw it.
		name = ddaebm.StackedMNISTData
		tr, err := data.StackedMNIST(mn.Train, *n, rand.New(rand.NewPCG(m.Config.Seed, 3)))
		if err != nil {
			return err
		}
		te, err := data.StackedMNIST(mn.Test, *n, rand.New(rand.NewPCG(ddaebm.EvalSeed, 3)))
		if err != nil {
			return err
		}
		train, test = tr.X, te.X
	}
	first := func(x *tensor.Dense) *tensor.Dense { return tensor.FromSlice(*n, x.C, x.Data[:*n*x.C]) }
	fd, err := k.FrechetDistance(pixels, first(test))
	if err != nil {
		return err
	}
	floor, err := k.FrechetDistance(first(train), first(test))
	if err != nil {
		return err
	}
	result := map[string]any{
		"fd_classifier": fd, "fd_classifier_floor_train_vs_test": floor,
		"n": *n, "data": name, "features": k.Config.Hidden * (pixels.C / data.MNISTPixels),
		"checkpoint": model.Checkpoint(), "iters": m.Step, "classifier": *classifier, "bn_stats": bn,
		"what": "Fréchet distance in the MNIST classifier's penultimate features (not FID)",
	}
	if acc, ok := k.Meta["test_accuracy"]; ok {
		result["classifier_test_accuracy"] = acc
	}
	b, _ := json.MarshalIndent(result, "", "  ")
	if _, err := fmt.Fprintln(stdout, string(b)); err != nil {
		return err
	}
	if *out != "" {
		return cli.WriteJSON(*out, result)
	}
	return nil
}
