package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"

	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// DeviceFlag defines the -device flag shared by the commands.
func DeviceFlag(flags *flag.FlagSet) *string {
	return flags.String("device", "auto", ddaebm.DeviceUsage)
}

// Device resolves a -device value with ddaebm.SelectDevice. A malformed value is a usage error (exit 2); a
// well-formed one this machine cannot honour, such as cuda without a
// usable GPU, is a plain error (exit 1).
func Device(spec string) (string, error) {
	dev, err := ddaebm.SelectDevice(spec)
	if errors.Is(err, ddaebm.ErrDeviceSpec) {
		return "", Usagef("-device: %v", err)
	}
	if err != nil {
		return "", fmt.Errorf("-device: %w", err)
	}
	return dev, nil
}

// BNStatsFlag defines the -bn-stats flag of the commands that sample.
func BNStatsFlag(flags *flag.FlagSet) *string {
	return flags.String("bn-stats", string(ddaebm.RunningStats),
		"batch-norm statistics of the generator when sampling: running (the training averages; best on the toy sets) or batch (the sampling batch's own, as the authors' release samples; varied MNIST digits where running gives one blurred shape)")
}

// BNStats parses a -bn-stats value; a bad one is a usage error.
func BNStats(s string) (ddaebm.BNStats, error) {
	bn, err := ddaebm.ParseBNStats(s)
	if err != nil {
		return "", Usagef("-bn-stats: %v", err)
	}
	return bn, nil
}

// energyWeightsFlag defines the -energy-weights flag of the commands that
// score with the energy.
func energyWeightsFlag(flags *flag.FlagSet) *string {
	return flags.String("energy-weights", string(ddaebm.AveragedWeights),
		"energy weights to score with: ema (the energy's weight average, where the checkpoint keeps one: train -energy-ema; else the last weights) or last (the weights after the last training step)")
}

// generatorWeightsFlag defines the -generator-weights flag of the
// commands that sample.
func generatorWeightsFlag(flags *flag.FlagSet) *string {
	return flags.String("generator-weights", string(ddaebm.AveragedWeights),
		"generator weights to sample with: ema (the generator's weight average, where the checkpoint keeps one: train -ema; else the last weights) or last (the weights after the last training step)")
}

// parseWeights parses the value of the weights flag named flag; a bad one is
// a usage error.
func parseWeights(flag, s string) (ddaebm.Weights, error) {
	w, err := ddaebm.ParseWeights(s)
	if err != nil {
		return "", Usagef("-%s: %v", flag, err)
	}
	return w, nil
}

// loadModel restores the checkpoint at path (a -checkpoint value) and
// moves the model to the -device choice.
func loadModel(path, device string) (*ddaebm.Model, error) {
	if path == "" {
		return nil, Usagef("-checkpoint is required")
	}
	dev, err := Device(device)
	if err != nil {
		return nil, err
	}
	m, err := ddaebm.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no checkpoint at %s", path)
	}
	if err != nil {
		return nil, err
	}
	return m, m.UseDevice(dev)
}
