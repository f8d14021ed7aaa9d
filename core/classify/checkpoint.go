package classify

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ddaebm/ddaebm/core/checkpoint"
	"github.com/ddaebm/ddaebm/core/nn"
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
	for _, p := range nn.Params(c) {
		ck.Arrays = append(ck.Arrays, checkpoint.Matrix(p.Name, p.Value))
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
	for _, p := range nn.Params(c) {
		if err := ck.ReadMatrix(p.Name, p.Value); err != nil {
			return nil, fmt.Errorf("classifier %s: %w", path, err)
		}
	}
	c.Meta, c.Step = ck.Meta, ck.Step
	return c, nil
}
