package checkpoint

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/ddaebm/ddaebm/core/npy"
)

// Format and Version identify the layout written by Save; Load rejects
// anything else.
const (
	Format  = "ddaebm-checkpoint"
	Version = 1
)

// Checkpoint is the content of a checkpoint file.
type Checkpoint struct {
	// Step is the training step the checkpoint was taken at.
	Step int64
	// Config is the run configuration, stored verbatim. Empty is saved as
	// JSON null and loaded back as nil.
	Config json.RawMessage
	// Meta is free-form metadata (git revision, host, notes). Load always
	// returns a non-nil map.
	Meta map[string]string
	// Arrays are the named arrays. Save writes them sorted by name and Load
	// returns them in that order.
	Arrays []Named
}

// Named is an array with its name in the checkpoint, a slash-separated path
// such as "energy/trunk.0/W".
type Named struct {
	Name string
	*npy.Array
}

// Get returns the array called name.
func (c *Checkpoint) Get(name string) (*npy.Array, error) {
	for _, a := range c.Arrays {
		if a.Name == name {
			return a.Array, nil
		}
	}
	if len(c.Arrays) == 0 {
		return nil, fmt.Errorf("checkpoint: no array named %q (it has no arrays)", name)
	}
	const show = 8
	names := make([]string, 0, show)
	for _, a := range c.Arrays[:min(len(c.Arrays), show)] {
		names = append(names, fmt.Sprintf("%q", a.Name))
	}
	list := strings.Join(names, ", ")
	if len(c.Arrays) > show {
		list += ", ..."
	}
	return nil, fmt.Errorf("checkpoint: no array named %q (it has %d: %s)", name, len(c.Arrays), list)
}

const (
	configMember = "config.json"
	metaMember   = "meta.json"
	arraySuffix  = ".npy"
)

// manifest is the content of meta.json.
type manifest struct {
	Format  string            `json:"format"`
	Version int               `json:"version"`
	Step    int64             `json:"step"`
	Meta    map[string]string `json:"meta"`
	Members []member          `json:"members"`
}

type member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// validName reports whether name is usable as an array name. Beyond being a
// valid zip member name it must be safe to extract with unzip (no absolute
// paths, no "..", no empty elements) and survive JSON unchanged.
func validName(name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("array name %q is not valid UTF-8", name)
	}
	if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, `\`) {
		return fmt.Errorf("array name %q is not a clean relative slash-separated path", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("array name %q contains a control character", name)
		}
	}
	return nil
}

// describe names a member the way a user thinks of it: arrays by their array
// name, anything else by its member name.
func describe(name string) string {
	if a, ok := strings.CutSuffix(name, arraySuffix); ok {
		return fmt.Sprintf("array %q", a)
	}
	return fmt.Sprintf("member %q", name)
}
