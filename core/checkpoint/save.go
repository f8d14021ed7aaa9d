package checkpoint

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ddaebm/ddaebm/core/npy"
)

// memberTime is the modification time of every member. A fixed time makes
// the file a function of its content alone, so identical checkpoints are
// identical bytes; 1980-01-01 is the earliest time zip can represent.
var memberTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Save writes c to path, atomically replacing any file there. Arrays are
// validated as they are written; an invalid one aborts the save and leaves
// path untouched.
func Save(path string, c *Checkpoint) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := npy.AtomicWriteFile(path, func(w io.Writer) error { return c.write(w) }); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// Writes cut short by a killed process leave temporary files next to
	// path; each save clears those, so they do not pile up over resumed
	// runs. Failing to is no reason to fail a save that succeeded.
	npy.RemoveStaleTemps(path)
	return nil
}

// check catches what can be caught without encoding any array, so that
// mistakes in names or metadata fail before anything touches the disk.
func (c *Checkpoint) check() error {
	if len(c.Config) > 0 && !json.Valid(c.Config) {
		return errors.New("config is not valid JSON")
	}
	for k, v := range c.Meta {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("meta entry %q is not valid UTF-8", k)
		}
	}
	seen := make(map[string]bool, len(c.Arrays))
	for _, a := range c.Arrays {
		if err := validName(a.Name); err != nil {
			return err
		}
		if seen[a.Name] {
			return fmt.Errorf("two arrays named %q", a.Name)
		}
		seen[a.Name] = true
		if a.Array == nil {
			return fmt.Errorf("array %q is nil", a.Name)
		}
	}
	return nil
}

func (c *Checkpoint) write(w io.Writer) error {
	zw := zip.NewWriter(w)
	var members []member
	add := func(name string, content func(io.Writer) error) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: memberTime})
		if err != nil {
			return err
		}
		h := sha256.New()
		n := &counter{}
		if err := content(io.MultiWriter(fw, h, n)); err != nil {
			return fmt.Errorf("%s: %w", describe(name), err)
		}
		members = append(members, member{Name: name, Size: n.n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	}

	config := []byte(c.Config)
	if len(config) == 0 {
		config = []byte("null")
	}
	if err := add(configMember, func(w io.Writer) error { _, err := w.Write(config); return err }); err != nil {
		return err
	}

	arrays := slices.Clone(c.Arrays)
	slices.SortFunc(arrays, func(a, b Named) int { return strings.Compare(a.Name, b.Name) })
	for _, a := range arrays {
		if err := add(a.Name+arraySuffix, func(w io.Writer) error { return npy.Write(w, a.Array) }); err != nil {
			return err
		}
	}

	meta := c.Meta
	if meta == nil {
		meta = map[string]string{}
	}
	js, err := json.MarshalIndent(manifest{Format: Format, Version: Version, Step: c.Step, Meta: meta, Members: members}, "", "  ")
	if err != nil {
		return err
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: metaMember, Method: zip.Store, Modified: memberTime})
	if err != nil {
		return err
	}
	if _, err := fw.Write(append(js, '\n')); err != nil {
		return err
	}
	return zw.Close()
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
