package cli

import (
	"flag"

	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// ModelChoices are the flags, beyond -checkpoint and -device, of a
// command that loads a model: those of the weights it scores or samples
// with and of the generator's batch-norm statistics.
type ModelChoices int

const (
	// EnergyWeights: -energy-weights, for commands that score.
	EnergyWeights ModelChoices = 1 << iota
	// GeneratorWeights: -generator-weights, for commands that sample.
	GeneratorWeights
	// BNStatistics: -bn-stats, for commands that sample models whose
	// generator may have batch norm.
	BNStatistics
)

// ModelFlags are the flags of a command that loads a checkpoint. Load
// reads them all, so every such command checks and applies them alike.
type ModelFlags struct {
	checkpoint, device                    *string
	energyWeights, generatorWeights, stat *string
}

// NewModelFlags defines -checkpoint (with the command's usage text),
// -device and the flags of choices on flags.
func NewModelFlags(flags *flag.FlagSet, checkpointUsage string, choices ModelChoices) *ModelFlags {
	f := &ModelFlags{
		checkpoint: flags.String("checkpoint", "", checkpointUsage),
		device:     DeviceFlag(flags),
	}
	if choices&EnergyWeights != 0 {
		f.energyWeights = energyWeightsFlag(flags)
	}
	if choices&GeneratorWeights != 0 {
		f.generatorWeights = generatorWeightsFlag(flags)
	}
	if choices&BNStatistics != 0 {
		f.stat = BNStatsFlag(flags)
	}
	return f
}

// Checkpoint is the -checkpoint value.
func (f *ModelFlags) Checkpoint() string { return *f.checkpoint }

// Load checks the weight and statistics flags (a bad value is a usage
// error), restores the checkpoint on the -device choice and sets the
// weights the model scores and samples with. It returns the batch-norm
// statistics to sample with (RunningStats without -bn-stats).
func (f *ModelFlags) Load() (*ddaebm.Model, ddaebm.BNStats, error) {
	bn := ddaebm.RunningStats
	if f.stat != nil {
		var err error
		if bn, err = BNStats(*f.stat); err != nil {
			return nil, "", err
		}
	}
	var score, sample ddaebm.Weights
	var err error
	if f.energyWeights != nil {
		if score, err = parseWeights("energy-weights", *f.energyWeights); err != nil {
			return nil, "", err
		}
	}
	if f.generatorWeights != nil {
		if sample, err = parseWeights("generator-weights", *f.generatorWeights); err != nil {
			return nil, "", err
		}
	}
	m, err := loadModel(*f.checkpoint, *f.device)
	if err != nil {
		return nil, "", err
	}
	if f.energyWeights != nil {
		m.ScoreWeights = score
	}
	if f.generatorWeights != nil {
		m.SampleWeights = sample
	}
	return m, bn, nil
}
