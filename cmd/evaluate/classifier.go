package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/classify"
	"github.com/ddaebm/ddaebm/core/data"
)

// classifierCmd trains the MNIST classifier that mode counting uses
// (-out), or measures a saved one (-classifier).
func classifierCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("evaluate classifier", flag.ContinueOnError)
	out := flags.String("out", "", "train a classifier on the MNIST training set and save it here (.npz)")
	saved := flags.String("classifier", "", "instead of training, measure this saved classifier on the MNIST test set")
	mnistDir := flags.String("mnist", "", "directory of the four MNIST files (default: $"+data.MNISTDirEnv+", else the GoMNIST module)")
	def, arch := classify.DefaultTrainOptions(), classify.DefaultConfig()
	epochs := flags.Int("epochs", def.Epochs, "passes over the 60000 training digits")
	batch := flags.Int("batch", def.Batch, "examples per step")
	lr := flags.Float64("lr", def.LR, "initial Adam step size (cosine-decayed to 0)")
	seed := flags.Uint64("seed", def.Seed, "seeds the weights and the order of the examples")
	flags.IntVar(&arch.Conv1, "conv1", arch.Conv1, "filters of the first 5×5 convolution")
	flags.IntVar(&arch.Conv2, "conv2", arch.Conv2, "filters of the second 5×5 convolution")
	flags.IntVar(&arch.Hidden, "hidden", arch.Hidden, "units of the fully connected layer")
	trainN := flags.Int("train-n", 0, "train on the first N training digits only (0: all)")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if (*out == "") == (*saved == "") {
		return cli.Usagef("give -out (train and save) or -classifier (measure a saved one), not both")
	}
	if *trainN < 0 {
		return cli.Usagef("-train-n must be ≥ 0, got %d", *trainN)
	}
	if *epochs < 1 || *batch < 1 || !(*lr > 0) || math.IsInf(*lr, 1) {
		return cli.Usagef("-epochs and -batch must be positive, -lr a finite number > 0, got %d, %d, %v", *epochs, *batch, *lr)
	}
	mnist, err := data.LoadMNIST(*mnistDir)
	if err != nil {
		return err
	}
	if *saved != "" {
		c, err := loadClassifier(*saved)
		if err != nil {
			return err
		}
		acc, err := testAccuracy(c, mnist)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "test accuracy %.4f (%d MNIST test digits)\n", acc, mnist.Test.X.R)
		return err
	}

	arch.Seed = *seed
	c, err := classify.New(arch)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	train := mnist.Train
	if *trainN > 0 && *trainN < train.X.R {
		train.X = train.X.Clone()
		train.X.R, train.X.Data = *trainN, train.X.Data[:*trainN*train.X.C]
		train.Labels = train.Labels[:*trainN]
	}
	opt := classify.TrainOptions{Epochs: *epochs, Batch: *batch, LR: *lr, Seed: *seed}
	var last time.Time
	opt.Progress = func(p classify.Progress) error {
		// The last step's line is the final report below.
		if !p.EpochEnd && time.Since(last) < 10*time.Second || p.Step == p.Steps {
			return nil
		}
		last = time.Now()
		line := fmt.Sprintf("epoch %d  step %d/%d  loss %.4f  elapsed %s", p.Epoch, p.Step, p.Steps, p.Loss, p.Elapsed.Round(time.Second))
		if p.EpochEnd {
			acc, err := testAccuracy(c, mnist)
			if err != nil {
				return err
			}
			line += fmt.Sprintf("  test accuracy %.4f", acc)
		}
		fmt.Fprintln(os.Stderr, line)
		return nil
	}
	start := time.Now()
	if err := c.Train(train, opt); err != nil {
		return err
	}
	took := time.Since(start)
	acc, err := testAccuracy(c, mnist)
	if err != nil {
		return err
	}
	c.Meta["test_accuracy"] = strconv.FormatFloat(acc, 'f', 4, 64)
	c.Meta["train_seconds"] = strconv.FormatFloat(took.Seconds(), 'f', 0, 64)
	c.Meta["train_examples"] = strconv.Itoa(train.X.R)
	c.Meta["epochs"] = strconv.Itoa(opt.Epochs)
	if err := c.Save(*out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "test accuracy %.4f (%d MNIST test digits) after %d epochs on %d digits in %s; saved %s\n",
		acc, mnist.Test.X.R, opt.Epochs, train.X.R, took.Round(time.Second), *out)
	return err
}

func testAccuracy(c *classify.Classifier, mnist *data.MNIST) (float64, error) {
	pred, err := c.Predict(mnist.Test.X)
	if err != nil {
		return 0, err
	}
	return classify.Accuracy(pred, mnist.Test.Labels), nil
}

func loadClassifier(path string) (*classify.Classifier, error) {
	c, err := classify.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no classifier at %s (train one with: evaluate classifier -out %s)", path, path)
	}
	return c, err
}
