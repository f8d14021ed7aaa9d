// Package cmd_test runs every command and subcommand as a user does, with
// edge values of their sizes and data files.
package cmd_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/classify"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// fixtures are the files the cases run on: tiny checkpoints and data sets.
type fixtures struct {
	dir                           string
	toy, mnist, stacked, nan      string // checkpoints
	classifier                    string
	empty2, one2, two2, huge2     string // N×2 .npy data
	empty784, one784              string // N×784 .npy images
	emptyCurve, itersOnly, oneRow string // metrics.jsonl files
}

func makeFixtures(t *testing.T) fixtures {
	t.Helper()
	dir := t.TempDir()
	f := fixtures{dir: dir}
	path := func(name string) string { return filepath.Join(dir, name) }
	save := func(name string, cfg ddaebm.Config, damage func(*ddaebm.Model)) string {
		m, err := ddaebm.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if damage != nil {
			damage(m)
		}
		if err := m.Save(path(name)); err != nil {
			t.Fatal(err)
		}
		return path(name)
	}
	toy := ddaebm.DefaultToyConfig("25gaussians")
	toy.Hidden = 16
	f.toy = save("toy.npz", toy, nil)
	f.nan = save("nan.npz", toy, func(m *ddaebm.Model) { m.OptE.Params[0].Value.Data[0] = tensor.Float(math.NaN()) })
	images := ddaebm.DefaultMNISTConfig()
	images.Hidden, images.GenHidden, images.ZDim = 8, 8, 4
	f.mnist = save("mnist.npz", images, nil)
	images.Data, images.Dim = ddaebm.StackedMNISTData, data.StackedMNISTDim
	f.stacked = save("stacked.npz", images, nil)

	k, err := classify.New(classify.Config{Kernel: 5, Conv1: 2, Conv2: 2, Hidden: 8})
	if err != nil {
		t.Fatal(err)
	}
	f.classifier = path("classifier.npz")
	if err := k.Save(f.classifier); err != nil {
		t.Fatal(err)
	}

	array := func(name string, rows, cols int, value float32) string {
		a := &npy.Array{Shape: []int{rows, cols}, Dtype: npy.Float32, F32: make([]float32, rows*cols)}
		for i := range a.F32 {
			a.F32[i] = value * float32(i%7+1) / 7
		}
		if err := npy.WriteFile(path(name), a); err != nil {
			t.Fatal(err)
		}
		return path(name)
	}
	f.empty2, f.one2, f.two2, f.huge2 = array("empty2.npy", 0, 2, 1), array("one2.npy", 1, 2, 1), array("two2.npy", 2, 2, 1), array("huge2.npy", 50, 2, 1e30)
	f.empty784, f.one784 = array("empty784.npy", 0, 784, 1), array("one784.npy", 1, 784, 0.5)

	text := func(name, content string) string {
		if err := os.WriteFile(path(name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path(name)
	}
	f.emptyCurve = text("empty.jsonl", "")
	f.itersOnly = text("iters.jsonl", "{\"iters\": 10}\n")
	f.oneRow = text("one.jsonl", "{\"iters\": 10, \"grid_nll\": 3.5}\n")
	return f
}

// build compiles the three commands into one directory.
func build(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	out, err := exec.Command("go", "build", "-o", bin, "./train", "./sample", "./evaluate").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Every command and subcommand, run with edge values of its sizes (0, 1,
// 2; grids of 1 and 2 cells), empty and one-row data files and non-finite
// or negative float flags, either succeeds with sane output or exits 1 (the
// work failed) or 2 (usage) with a one-line message naming the problem:
// never a Go panic, whose exit status 2 only its stderr tells apart.
func TestEveryCommandHandlesEdgeValues(t *testing.T) {
	bin := build(t)
	f := makeFixtures(t)
	out := func(name string) string { return filepath.Join(t.TempDir(), name) }
	toyTrain := []string{"-hidden", "8", "-iters", "2", "-quiet"}
	mnistTrain := []string{"-hidden", "8", "-gen-hidden", "8", "-z-dim", "4", "-batch", "4", "-eval-n", "1", "-samples", "1", "-quiet"}
	tinyClassifier := []string{"-conv1", "2", "-conv2", "2", "-hidden", "8", "-epochs", "1", "-batch", "2", "-train-n", "2"}
	cases := []struct {
		cmd  string
		args []string
		code int
		// msg is in the one-line message of a failure; for a success, the
		// output file named by the argument after -out must exist.
		msg string
	}{
		// train on toy sets and .npy files
		{"train", append([]string{"-data", "pinwheel", "-eval-samples", "0", "-out", out("r")}, toyTrain...), 2, "-eval-samples ≥ 2"},
		{"train", append([]string{"-data", "pinwheel", "-eval-samples", "1", "-out", out("r")}, toyTrain...), 2, "-eval-samples ≥ 2"},
		{"train", append([]string{"-data", "pinwheel", "-eval-samples", "2", "-eval-every", "1", "-batch", "4", "-out", out("r")}, toyTrain...), 0, ""},
		{"train", append([]string{"-data", "pinwheel", "-eval-samples", "2", "-batch", "2", "-out", out("r")}, toyTrain...), 0, ""},
		{"train", append([]string{"-data", "pinwheel", "-batch", "1", "-out", out("r")}, toyTrain...), 2, "batch must be at least 2"},
		{"train", []string{"-data", "pinwheel", "-iters", "0", "-out", out("r")}, 2, "-iters must be ≥ 1"},
		{"train", append([]string{"-data", f.empty2, "-batch", "4", "-out", out("r")}, toyTrain...), 1, "holds no examples"},
		{"train", append([]string{"-data", f.one2, "-batch", "4", "-eval-samples", "2", "-out", out("r")}, toyTrain...), 0, ""},
		{"train", append([]string{"-data", f.two2, "-batch", "2", "-out", out("r")}, toyTrain...), 0, ""},
		{"train", append([]string{"-data", f.huge2, "-batch", "4", "-out", out("r")}, toyTrain...), 1, "out of the range"},
		{"train", []string{"-data", "25gausians", "-out", out("r")}, 2, "unknown toy set"},
		{"train", []string{"-lr", "NaN", "-out", out("r")}, 2, "lr must be a finite number"},
		{"train", []string{"-gamma", "Inf", "-out", out("r")}, 2, "gamma must be a finite number"},
		{"train", []string{"-beta-min", "-1", "-out", out("r")}, 2, "beta-min"},
		{"train", []string{"-post-var-floor", "NaN", "-out", out("r")}, 2, "post-var-floor"},
		{"train", []string{"-energy-ema", "1", "-out", out("r")}, 2, "energy-ema must be below 1"},
		{"train", []string{"-energy-ema", "NaN", "-out", out("r")}, 2, "energy-ema must be a finite number"},
		{"train", append([]string{"-data", "pinwheel", "-energy-ema", "0.5", "-eval-samples", "2", "-batch", "4", "-out", out("r")}, toyTrain...), 0, ""},
		// train mnist
		{"train", append([]string{"mnist", "-iters", "1", "-out", out("m")}, mnistTrain...), 0, ""},
		{"train", []string{"mnist", "-epochs", "NaN", "-out", out("m")}, 2, "-epochs must be a finite number"},
		{"train", []string{"mnist", "-epochs", "Inf", "-out", out("m")}, 2, "-epochs must be a finite number"},
		{"train", []string{"mnist", "-epochs", "-1", "-out", out("m")}, 2, "-epochs must be a finite number"},
		{"train", append([]string{"mnist", "-epochs", "1e300", "-out", out("m")}, mnistTrain...), 2, "more than an int64 counts"},
		{"train", []string{"mnist", "-eval-n", "0", "-out", out("m")}, 2, "-eval-n"},
		{"train", []string{"mnist", "-lr", "Inf", "-out", out("m")}, 2, "lr must be a finite number"},
		// sample
		{"sample", []string{"-checkpoint", f.toy, "-n", "0", "-out", out("s.npy")}, 2, "-n must be positive"},
		{"sample", []string{"-checkpoint", f.toy, "-n", "1", "-out", out("s.npy"), "-png", out("s.png")}, 0, ""},
		{"sample", []string{"-checkpoint", f.toy, "-n", "2", "-bn-stats", "batch", "-out", out("s.npy")}, 0, ""},
		{"sample", []string{"-checkpoint", f.toy, "-n", "2", "-generator-weights", "last", "-out", out("s.npy")}, 0, ""},
		{"sample", []string{"-checkpoint", f.toy, "-n", "2", "-generator-weights", "avg", "-out", out("s.npy")}, 2, "-generator-weights: weights \"avg\" are not known"},
		{"sample", []string{"-checkpoint", f.stacked, "-n", "1", "-out", out("s.npy")}, 0, ""},
		{"sample", []string{"-checkpoint", f.nan, "-n", "2", "-out", out("s.npy")}, 1, "holds NaN at row 0, column 0"},
		// evaluate energy
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.empty2, "-out", out("e.npy")}, 1, "holds no examples"},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-grid-n", "1", "-out", out("e.npy")}, 0, ""},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.two2, "-grid-n", "2", "-out", out("e.npy")}, 0, ""},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-grid-n", "0", "-out", out("e.npy")}, 2, "-grid-n must be at least 1"},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-lim", "NaN", "-out", out("e.npy")}, 2, "-lim must be"},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-lim", "-2", "-out", out("e.npy")}, 2, "-lim must be"},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-k", "-1", "-out", out("e.npy")}, 1, "k = -1"},
		{"evaluate", []string{"energy", "-checkpoint", f.mnist, "-points", f.one784, "-out", out("e.npy")}, 0, ""},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-energy-weights", "last", "-out", out("e.npy")}, 0, ""},
		{"evaluate", []string{"energy", "-checkpoint", f.toy, "-points", f.one2, "-energy-weights", "mean", "-out", out("e.npy")}, 2, "-energy-weights: weights \"mean\" are not known"},
		// evaluate density
		{"evaluate", []string{"density", "-checkpoint", f.toy, "-grid-n", "1", "-out", out("d.npy")}, 2, "-grid-n must be at least 2"},
		{"evaluate", []string{"density", "-checkpoint", f.toy, "-grid-n", "2", "-out", out("d.npy"), "-png", out("d.png")}, 0, ""},
		{"evaluate", []string{"density", "-checkpoint", f.toy, "-grid-n", "2", "-lim", "NaN", "-out", out("d.npy")}, 2, "-lim must be"},
		{"evaluate", []string{"density", "-checkpoint", f.toy, "-grid-n", "2", "-lim", "-2", "-out", out("d.npy")}, 2, "-lim must be"},
		{"evaluate", []string{"density", "-checkpoint", f.toy, "-grid-n", "2", "-lim", "+Inf", "-out", out("d.npy")}, 2, "-lim must be"},
		{"evaluate", []string{"density", "-checkpoint", f.toy, "-grid-n", "2", "-lim", "1e308", "-out", out("d.npy")}, 2, "-lim must be"},
		{"evaluate", []string{"density", "-checkpoint", f.mnist, "-out", out("d.npy")}, 1, "2-D model"},
		// evaluate toy
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "0", "-out", out("t.json")}, 2, "-n must be at least 2"},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "1", "-out", out("t.json")}, 2, "-n must be at least 2"},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "2", "-grid-n", "1", "-out", out("t.json")}, 0, ""},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "2", "-grid-n", "2", "-out", out("t.json"), "-pictures", out("p")}, 0, ""},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "5", "-grid-n", "0", "-out", out("t.json")}, 2, "-grid-n at least 1"},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "2", "-grid-n", "2", "-energy-weights", "ema", "-out", out("t.json")}, 0, ""},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-energy-weights", "", "-out", out("t.json")}, 2, "-energy-weights"},
		{"evaluate", []string{"toy", "-checkpoint", f.toy, "-n", "5", "-data", "25gausians", "-out", out("t.json")}, 1, "unknown toy set"},
		// evaluate curve and inspect
		{"evaluate", []string{"curve", "-metrics", f.emptyCurve, "-png", out("c.png")}, 1, "holds no evaluations"},
		{"evaluate", []string{"curve", "-metrics", f.itersOnly, "-png", out("c.png")}, 1, "no metric besides"},
		{"evaluate", []string{"curve", "-metrics", f.oneRow, "-png", out("c.png")}, 0, ""},
		{"evaluate", []string{"inspect", "-data", f.empty2}, 1, "holds no examples"},
		{"evaluate", []string{"inspect", "-data", f.one2}, 0, ""},
		// evaluate classifier
		{"evaluate", append([]string{"classifier", "-out", out("k.npz")}, tinyClassifier...), 0, ""},
		{"evaluate", []string{"classifier", "-out", out("k.npz"), "-lr", "NaN"}, 2, "-lr a finite number"},
		{"evaluate", []string{"classifier", "-out", out("k.npz"), "-lr", "Inf"}, 2, "-lr a finite number"},
		{"evaluate", []string{"classifier", "-out", out("k.npz"), "-epochs", "0"}, 2, "-epochs and -batch must be positive"},
		{"evaluate", []string{"classifier", "-out", out("k.npz"), "-train-n", "-1"}, 2, "-train-n"},
		// evaluate modes
		{"evaluate", []string{"modes", "-checkpoint", f.stacked, "-classifier", f.classifier, "-n", "0"}, 2, "-n must be positive"},
		{"evaluate", []string{"modes", "-checkpoint", f.stacked, "-classifier", f.classifier, "-n", "1", "-out", out("modes.json")}, 0, ""},
		{"evaluate", []string{"modes", "-checkpoint", f.stacked, "-classifier", f.classifier, "-n", "2", "-bn-stats", "batch", "-out", out("modes.json")}, 0, ""},
		{"evaluate", []string{"modes", "-real", "-classifier", f.classifier, "-n", "1", "-out", out("modes.json")}, 0, ""},
		{"evaluate", []string{"modes", "-checkpoint", f.toy, "-classifier", f.classifier, "-n", "2"}, 1, "2352-dimensional"},
		// evaluate ood
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-n", "-1"}, 2, "-n must be ≥ 0"},
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-n", "1", "-out", out("ood.json"), "-png", ""}, 0, ""},
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-data", f.one784, "-n", "0", "-out", out("ood.json"), "-png", out("ood.png")}, 0, ""},
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-data", f.one784, "-n", "2", "-bn-stats", "batch", "-out", out("ood.json"), "-png", ""}, 0, ""},
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-data", f.empty784, "-out", out("ood.json")}, 1, "holds no examples"},
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-data", f.one784, "-extra", "e=" + f.empty784, "-out", out("ood.json")}, 2, "holds no examples"},
		{"evaluate", []string{"ood", "-checkpoint", f.mnist, "-data", f.one784, "-extra", "e=" + f.one784, "-out", out("ood.json"), "-png", ""}, 0, ""},
	}
	for _, c := range cases {
		name := []string{c.cmd}
		for _, a := range c.args {
			if filepath.IsAbs(a) {
				a = filepath.Base(a) // not the temporary directories
			}
			name = append(name, a)
		}
		t.Run(strings.Join(name, " "), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(filepath.Join(bin, c.cmd), c.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			msg := stderr.String()
			if strings.Contains(msg, "panic:") || strings.Contains(msg, "goroutine ") {
				t.Fatalf("exit %d with a Go panic:\n%s", code, msg)
			}
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, c.code, msg)
			}
			if code == 0 {
				checkOutput(t, c.args)
				return
			}
			var lines []string
			for _, l := range strings.Split(msg, "\n") {
				if strings.HasPrefix(l, c.cmd+": ") {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 || !strings.Contains(lines[0], c.msg) {
				t.Fatalf("want one line %q… mentioning %q; stderr:\n%s", c.cmd+": ", c.msg, msg)
			}
		})
	}
}

// checkOutput checks what a successful run wrote: the file after -out is
// there and not empty, and a .npy file reads back as finite numbers.
func checkOutput(t *testing.T, args []string) {
	t.Helper()
	for i, a := range args[:len(args)-1] {
		if a != "-out" {
			continue
		}
		path := args[i+1]
		st, err := os.Stat(path)
		if err != nil || st.Size() == 0 && !st.IsDir() {
			t.Fatalf("output %s missing or empty: %v", path, err)
		}
		if filepath.Ext(path) == ".npy" {
			a, err := npy.ReadFile(path, npy.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range a.ToFloat64() {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s holds %v at %d", path, v, j)
				}
			}
		}
	}
}
