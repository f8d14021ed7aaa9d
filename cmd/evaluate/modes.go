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
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// modesCmd is the StackedMNIST mode count (docs/ALGORITHM.md §8): the
// classifier labels each channel of n generated 3×28×28 images, and the
// 1000 digit triples are the modes.
func modesCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("evaluate modes", flag.ContinueOnError)
	model := cli.NewModelFlags(flags, "checkpoint of a model of StackedMNIST: 2352-dimensional rows (train mnist -data stackedmnist) or 3×32×32 images (train image)", cli.GeneratorWeights|cli.BNStatistics)
	realData := flags.Bool("real", false, "count the modes of real StackedMNIST images (from MNIST test digits) instead of a model's samples: the protocol's reference")
	classifier := flags.String("classifier", "", "MNIST classifier written by 'evaluate classifier -out' (required)")
	n := flags.Int("n", 10000, "images to classify")
	seed := flags.Uint64("seed", 12345, "seed of the samples or of the real images drawn")
	space := flags.String("space", spaceAuto, spaceUsage)
	mnistDir := flags.String("mnist", "", "-real only: directory of the MNIST files (default: $"+data.MNISTDirEnv+", else the GoMNIST module)")
	out := flags.String("out", "", "also write the result as JSON to this file")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if (model.Checkpoint() == "") == !*realData {
		return cli.Usagef("give -checkpoint (a model's samples) or -real (real images), not both")
	}
	if *classifier == "" {
		return cli.Usagef("-classifier is required")
	}
	if *n < 1 {
		return cli.Usagef("-n must be positive, got %d", *n)
	}
	k, err := loadClassifier(*classifier)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 0))
	result := map[string]any{"n": *n, "classes": data.StackedMNISTClasses, "classifier": *classifier}
	if acc, ok := k.Meta["test_accuracy"]; ok {
		result["classifier_test_accuracy"] = acc
	}
	var pixels *tensor.Dense
	if *realData {
		mnist, err := data.LoadMNIST(*mnistDir)
		if err != nil {
			return err
		}
		// Test digits, which the classifier has not seen: the reference
		// then carries the classifier's own errors, as samples do.
		stacked, err := data.StackedMNIST(mnist.Test, *n, rng)
		if err != nil {
			return err
		}
		pixels = stacked.X
		result["source"] = "StackedMNIST from MNIST test digits"
	} else {
		m, bn, err := model.Load()
		if err != nil {
			return err
		}
		if err := m.StackedMNISTModel(); err != nil {
			return err
		}
		sp, err := modelSpace(*space, m)
		if err != nil {
			return err
		}
		samples, err := m.SampleWith(cli.WithWorkProgress(context.Background(), "sampling"), *n, rng, bn)
		if err != nil {
			return err
		}
		if pixels, err = m.StackedMNISTPixels(samples, sp); err != nil {
			return err
		}
		result["source"], result["checkpoint"], result["iters"], result["space"], result["bn_stats"] = "model samples", model.Checkpoint(), m.Step, sp, bn
	}
	labels, err := k.StackedLabels(pixels)
	if err != nil {
		return err
	}
	covered, kl := metrics.LabelCoverage(labels, data.StackedMNISTClasses)
	floor := metrics.UniformKLFloor(data.StackedMNISTClasses, *n)
	result["modes_covered"], result["kl_uniform"], result["kl_sampling_floor"] = covered, kl, floor
	b, _ := json.MarshalIndent(result, "", "  ")
	if _, err := fmt.Fprintln(stdout, string(b)); err != nil {
		return err
	}
	if *out != "" {
		return cli.WriteJSON(*out, result)
	}
	return nil
}
