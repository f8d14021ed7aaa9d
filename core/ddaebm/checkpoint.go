package ddaebm

import (
	"fmt"

	"github.com/ddaebm/ddaebm/core/checkpoint"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/optim"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// namedTensor is one persistent tensor of a model under its checkpoint name.
type namedTensor struct {
	name  string
	value *tensor.Dense
}

// state lists every tensor a checkpoint carries: parameters, batch-norm
// statistics, Adam moments and the weight averages.
func (m *Model) state() []namedTensor {
	var out []namedTensor
	for _, p := range append(m.OptE.Params, m.OptG.Params...) {
		out = append(out, namedTensor{p.Name, p.Value})
	}
	for _, b := range m.Buffers() {
		out = append(out, namedTensor{b.Name, b.Value})
	}
	for i, p := range m.OptE.Params {
		out = append(out, namedTensor{"adam/m/" + p.Name, m.OptE.M[i]}, namedTensor{"adam/v/" + p.Name, m.OptE.V[i]})
	}
	for i, p := range m.OptG.Params {
		out = append(out, namedTensor{"adam/m/" + p.Name, m.OptG.M[i]}, namedTensor{"adam/v/" + p.Name, m.OptG.V[i]})
	}
	for _, e := range []*optim.EMA{m.EMA, m.EnergyEMA} {
		if e != nil {
			for i, p := range e.Params {
				out = append(out, namedTensor{"ema/" + p.Name, e.Shadow[i]})
			}
		}
	}
	return out
}

// Save writes the complete training state to path atomically (a
// checksummed .npz that numpy can read, with the configuration as JSON).
func (m *Model) Save(path string) error {
	c := &checkpoint.Checkpoint{Step: m.Step, Config: m.Config.JSON()}
	for _, t := range m.state() {
		c.Arrays = append(c.Arrays, checkpoint.Matrix(t.name, m.hostCopy(t.value)))
	}
	if err := m.backendErr(); err != nil {
		return err
	}
	rngState, err := m.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("saving random state: %w", err)
	}
	c.Arrays = append(c.Arrays,
		checkpoint.Named{Name: "rng", Array: &npy.Array{Shape: []int{len(rngState)}, Dtype: npy.Uint8, U8: rngState}},
		checkpoint.Named{Name: "adam/steps", Array: &npy.Array{Shape: []int{2}, Dtype: npy.Int64, I64: []int64{m.OptE.Step, m.OptG.Step}}},
	)
	return checkpoint.Save(path, c)
}

// Load restores a model saved by Save, with the configuration stored in
// the checkpoint. A checkpoint that fails its checksums, lacks an array,
// holds one of the wrong shape or a non-finite value (weights, batch-norm
// statistics, Adam moments, weight average) or negative step counts is
// reported, never half-loaded.
func Load(path string) (*Model, error) {
	c, err := checkpoint.Load(path)
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(c.Config)
	if err == nil {
		err = cfg.validate(false)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	m := build(cfg)
	for _, t := range m.state() {
		if err := c.ReadMatrix(t.name, t.value); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	rngState, err := c.Get("rng")
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := m.pcg.UnmarshalBinary(rngState.U8); err != nil {
		return nil, fmt.Errorf("checkpoint %s: random state: %w", path, err)
	}
	steps, err := c.Get("adam/steps")
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if len(steps.I64) != 2 {
		return nil, fmt.Errorf("checkpoint %s: adam/steps holds %d int64 values, want 2", path, len(steps.I64))
	}
	// Adam's bias correction 1 − β^t turns negative, and its steps NaN,
	// for a negative count t.
	if steps.I64[0] < 0 || steps.I64[1] < 0 || c.Step < 0 {
		return nil, fmt.Errorf("checkpoint %s: negative step counts: training step %d, adam/steps %v", path, c.Step, steps.I64)
	}
	m.OptE.Step, m.OptG.Step = steps.I64[0], steps.I64[1]
	m.Step = c.Step
	return m, nil
}
