package classify

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ddaebm/ddaebm/core/checkpoint"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Save writes the classifier to path atomically: the architecture as
// config.json, one array per parameter under its name, Meta and Step.
// Arrays keep the build's precision (float64 with the f64 tag), so a
// loaded classifier predicts exactly as the saved one.
func (c *Classifier) Save(path string) error {
	cfg, err := json.Marshal(c.Config)
	if err != nil {
		return err
	}
	ck := &checkpoint.Checkpoint{Step: c.Step, Config: cfg, Meta: c.Meta}
	for _, p := range c.Params() {
		ck.Arrays = append(ck.Arrays, checkpoint.Named{Name: p.Name, Array: toArray(p.Value)})
	}
	return checkpoint.Save(path, ck)
}

// Load reads a classifier written by Save. A file that fails its
// checksums, has another architecture than its config.json describes or
// lacks a parameter is reported, never half-loaded.
func Load(path string) (*Classifier, error) {
	ck, err := checkpoint.Load(path)
	if err != nil {
		return nil, err
	}
	// Unknown fields mean another kind of checkpoint (a DDAEBM model's,
	// say), which must not load as a classifier with default settings.
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(ck.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("classifier %s: not a classifier configuration: %w", path, err)
	}
	c, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("classifier %s: %w", path, err)
	}
	for _, p := range c.Params() {
		a, err := ck.Get(p.Name)
		if err != nil {
			return nil, fmt.Errorf("classifier %s: %w", path, err)
		}
		d := p.Value
		if len(a.Shape) != 2 || a.Shape[0] != d.R || a.Shape[1] != d.C || (a.Dtype != npy.Float32 && a.Dtype != npy.Float64) {
			return nil, fmt.Errorf("classifier %s: array %q is %s %v, want float32 [%d %d]", path, p.Name, a.Dtype, a.Shape, d.R, d.C)
		}
		for i, v := range a.ToFloat64() {
			d.Data[i] = tensor.Float(v)
		}
	}
	c.Meta, c.Step = ck.Meta, ck.Step
	return c, nil
}

func toArray(d *tensor.Dense) *npy.Array {
	a := &npy.Array{Shape: []int{d.R, d.C}}
	if tensor.Is64 {
		a.Dtype, a.F64 = npy.Float64, make([]float64, len(d.Data))
		for i, v := range d.Data {
			a.F64[i] = float64(v)
		}
		return a
	}
	a.Dtype, a.F32 = npy.Float32, make([]float32, len(d.Data))
	for i, v := range d.Data {
		a.F32[i] = float32(v)
	}
	return a
}
