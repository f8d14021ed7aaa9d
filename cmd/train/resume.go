package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/npy"
)

// invocationFlags may differ on every command line of a run: -device and
// -quiet say how this process runs (on which machine, to which terminal),
// not what the run computes, so a resumed run does not inherit them.
var invocationFlags = []string{"out", "resume", "device", "quiet"}

// runConfig is the form of a run directory's config.json: the model's
// configuration (the fields of ddaebm.Config, which the checkpoint also
// holds) and, under "run", the command's settings of the run by flag
// name. A config.json without "run" (written by Python's fit) restores no
// settings.
type runConfig struct {
	ddaebm.Config
	Run map[string]any `json:"run,omitempty"`
}

// writeRunConfig writes dir/config.json: cfg and the values of the flags
// in settings.
func writeRunConfig(dir string, cfg ddaebm.Config, flags *flag.FlagSet, settings [][]string) error {
	run := map[string]any{}
	for _, name := range slices.Concat(settings...) {
		run[name] = flags.Lookup(name).Value.(flag.Getter).Get()
	}
	return cli.WriteJSON(filepath.Join(dir, "config.json"), runConfig{cfg, run})
}

// resumeRun prepares -resume in the run directory out: it loads the
// checkpoint, refuses flags that would change its configuration (a resumed
// run keeps the configuration it was started with), and restores the run's
// settings from config.json. Each group of settings is restored unless one
// of its flags is given on this command line: a group holds the flags that
// decide one thing together (the run's length: -iters, -epochs, -preset),
// so that one given explicitly is not overridden by another restored.
func resumeRun(flags *flag.FlagSet, out string, settings [][]string) (*ddaebm.Model, error) {
	ckptPath := filepath.Join(out, "checkpoint.npz")
	m, err := ddaebm.Load(ckptPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("-resume: no checkpoint at %s", ckptPath)
		}
		return nil, err
	}
	given := map[string]bool{}
	var changed []string
	flags.Visit(func(f *flag.Flag) {
		given[f.Name] = true
		if !slices.Contains(invocationFlags, f.Name) && !slices.ContainsFunc(settings, func(g []string) bool { return slices.Contains(g, f.Name) }) {
			changed = append(changed, "-"+f.Name)
		}
	})
	if len(changed) > 0 {
		return nil, cli.Usagef("-resume takes the configuration from the checkpoint; %s cannot change (start a new -out instead)", strings.Join(changed, ", "))
	}
	if err := restoreSettings(filepath.Join(out, "config.json"), flags, settings, given); err != nil {
		return nil, err
	}
	return m, nil
}

// clearKilledRun removes what a run killed mid-way left in out beyond its
// checkpoint at step: metrics rows the resumed run will write again
// (dropMetricsAfter) and temporary checkpoint files that no live process
// is writing (npy.RemoveStaleTemps; saving a checkpoint does so too, but a
// resumed run with nothing left to train saves none).
func clearKilledRun(out string, step int64) error {
	if err := dropMetricsAfter(filepath.Join(out, "metrics.jsonl"), step); err != nil {
		return err
	}
	_, err := npy.RemoveStaleTemps(filepath.Join(out, "checkpoint.npz"))
	return err
}

// restoreSettings sets the flags of each settings group none of whose
// flags was given to the values the run's config.json records.
func restoreSettings(path string, flags *flag.FlagSet, settings [][]string, given map[string]bool) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var rc struct {
		Run map[string]json.RawMessage `json:"run"`
	}
	if err := json.Unmarshal(b, &rc); err != nil {
		return fmt.Errorf("-resume: %s: %w", path, err)
	}
	for _, group := range settings {
		if slices.ContainsFunc(group, func(name string) bool { return given[name] }) {
			continue
		}
		for _, name := range group {
			raw, ok := rc.Run[name]
			if !ok {
				continue
			}
			value := string(raw) // numbers and booleans as flags spell them
			var s string
			if json.Unmarshal(raw, &s) == nil {
				value = s
			}
			if err := flags.Set(name, value); err != nil {
				return fmt.Errorf("-resume: %s: run setting %q = %s: %w", path, name, raw, err)
			}
		}
	}
	return nil
}

// dropMetricsAfter removes from a run's metrics.jsonl the rows of
// iterations beyond step, the checkpoint's: a run killed after an
// evaluation and before its next checkpoint evaluates those iterations
// again when resumed, and each iteration is to appear once. A last line
// cut short by the kill goes too. The file is rewritten atomically, and
// only when a row goes.
func dropMetricsAfter(path string, step int64) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var kept []byte
	dropped := false
	for rest := b; len(rest) > 0; {
		line, tail, complete := bytes.Cut(rest, []byte("\n"))
		rest = tail
		var row struct {
			Iters *float64 `json:"iters"`
		}
		parsed := json.Unmarshal(line, &row) == nil
		if (parsed && row.Iters != nil && *row.Iters > float64(step)) || (!complete && !parsed) {
			dropped = true
			continue
		}
		kept = append(append(kept, line...), '\n')
	}
	if !dropped {
		return nil
	}
	return npy.AtomicWriteFile(path, func(w io.Writer) error {
		_, err := w.Write(kept)
		return err
	})
}
