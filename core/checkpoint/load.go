package checkpoint

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ddaebm/ddaebm/core/npy"
)

// maxMetaSize bounds meta.json, which is read whole. At about 150 bytes per
// member it allows some hundred thousand arrays.
const maxMetaSize = 16 << 20

// Load reads and verifies the checkpoint at path. Every error names the
// path; errors opening the file wrap the os error, so errors.Is(err,
// fs.ErrNotExist) works.
func Load(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	c, err := read(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return c, nil
}

func read(r io.ReaderAt, size int64) (*Checkpoint, error) {
	if size == 0 {
		return nil, errors.New("is empty (expected a zip archive)")
	}
	zr, err := zip.NewReader(r, size)
	// With GODEBUG=zipinsecurepath=0 an unsafe member name comes back as
	// ErrInsecurePath alongside a usable reader; names are vetted below
	// against meta.json, which rejects unsafe ones with a clearer message.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		var head [4]byte
		if n, _ := r.ReadAt(head[:], 0); n == 4 && string(head[:]) == "PK\x03\x04" {
			return nil, fmt.Errorf("is truncated or corrupted (%w)", err)
		}
		return nil, fmt.Errorf("is not a zip archive (%w)", err)
	}

	files := make(map[string]*zip.File, len(zr.File))
	var total uint64
	for _, f := range zr.File {
		if files[f.Name] != nil {
			return nil, fmt.Errorf("holds two members named %q (file altered or corrupted)", f.Name)
		}
		files[f.Name] = f
		if f.Method != zip.Store {
			return nil, fmt.Errorf("%s is compressed (zip method %d); checkpoints store members uncompressed", describe(f.Name), f.Method)
		}
		// Stored data lies in the file, so a member larger than the file, or
		// members larger together, can only be a lie: corruption or a zip
		// bomb made of overlapping members.
		if f.CompressedSize64 != f.UncompressedSize64 || f.UncompressedSize64 > uint64(size) {
			return nil, fmt.Errorf("%s claims %d bytes in a %d-byte file (file corrupted)", describe(f.Name), f.UncompressedSize64, size)
		}
		total += f.UncompressedSize64
		if total > uint64(size) {
			return nil, fmt.Errorf("members claim more than the file's %d bytes (file corrupted)", size)
		}
	}

	m, err := readManifest(files)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(m.Members))
	for _, mem := range m.Members {
		listed[mem.Name] = true
	}
	for _, f := range zr.File {
		if f.Name != metaMember && !listed[f.Name] {
			return nil, fmt.Errorf("%s is not listed in meta.json (file altered)", describe(f.Name))
		}
	}

	c := &Checkpoint{Step: m.Step, Meta: m.Meta}
	if c.Meta == nil {
		c.Meta = map[string]string{}
	}
	for _, mem := range m.Members {
		f := files[mem.Name]
		if f == nil {
			return nil, fmt.Errorf("%s is missing (listed in meta.json)", describe(mem.Name))
		}
		if f.UncompressedSize64 != uint64(mem.Size) {
			return nil, fmt.Errorf("%s is %d bytes, meta.json says %d (file altered or corrupted)", describe(mem.Name), f.UncompressedSize64, mem.Size)
		}
		if mem.Name == configMember {
			var buf bytes.Buffer
			if err := verify(f, mem, func(r io.Reader) error { _, err := buf.ReadFrom(r); return err }); err != nil {
				return nil, err
			}
			if !bytes.Equal(buf.Bytes(), []byte("null")) {
				c.Config = buf.Bytes()
			}
			continue
		}
		var a *npy.Array
		err := verify(f, mem, func(r io.Reader) error {
			var err error
			// Every element takes at least a byte of the member, so its
			// size is a safe element bound, and unlike npy's default it
			// does not cap how large a real array may be.
			a, err = npy.Read(r, npy.ReadOptions{MaxElements: mem.Size})
			return err
		})
		if err != nil {
			return nil, err
		}
		c.Arrays = append(c.Arrays, Named{Name: strings.TrimSuffix(mem.Name, arraySuffix), Array: a})
	}
	return c, nil
}

// readManifest reads and checks meta.json. The format and version are
// checked before the rest is decoded strictly, so that a checkpoint from a
// newer version is reported as such rather than as malformed.
func readManifest(files map[string]*zip.File) (*manifest, error) {
	f := files[metaMember]
	if f == nil {
		return nil, errors.New("has no meta.json (not a ddaebm checkpoint)")
	}
	if f.UncompressedSize64 > maxMetaSize {
		return nil, fmt.Errorf("meta.json is %d bytes, more than the limit of %d", f.UncompressedSize64, maxMetaSize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("meta.json is unreadable (%w)", err)
	}
	js, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("meta.json is corrupted (%w)", err)
	}

	var id struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(js, &id); err != nil {
		return nil, fmt.Errorf("meta.json is not valid (%w)", err)
	}
	if id.Format != Format {
		return nil, fmt.Errorf("meta.json names format %q, expected %q", id.Format, Format)
	}
	if id.Version != Version {
		return nil, fmt.Errorf("has checkpoint format version %d; this program reads version %d", id.Version, Version)
	}
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("meta.json is not valid (%w)", err)
	}

	seen := make(map[string]bool, len(m.Members))
	for _, mem := range m.Members {
		name, isArray := strings.CutSuffix(mem.Name, arraySuffix)
		if isArray {
			if err := validName(name); err != nil {
				return nil, fmt.Errorf("meta.json: %w", err)
			}
		}
		switch {
		case seen[mem.Name]:
			return nil, fmt.Errorf("meta.json lists %s twice", describe(mem.Name))
		case mem.Name != configMember && !isArray:
			return nil, fmt.Errorf("meta.json lists unexpected member %q (expected config.json and .npy arrays)", mem.Name)
		case mem.Size < 0:
			return nil, fmt.Errorf("meta.json gives %s a negative size", describe(mem.Name))
		case !isSHA256Hex(mem.SHA256):
			return nil, fmt.Errorf("meta.json gives %s checksum %q, expected 64 lower-case hex digits", describe(mem.Name), mem.SHA256)
		}
		seen[mem.Name] = true
	}
	if !seen[configMember] {
		return nil, errors.New("meta.json does not list config.json")
	}
	return &m, nil
}

func isSHA256Hex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size && s == strings.ToLower(s)
}

// verify streams member f through parse and SHA-256 at once, so each member
// is read once and never held twice in memory. Damage is reported in
// preference to parse errors: a flipped bit in an array header is a
// corrupted file, not a malformed array.
func verify(f *zip.File, want member, parse func(io.Reader) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s is unreadable (%w)", describe(f.Name), err)
	}
	defer rc.Close()
	src := &errReader{r: rc}
	h := sha256.New()
	tee := io.TeeReader(src, h)
	perr := parse(tee)
	// Hash whatever parse left unread, so the checksum covers the whole
	// member even when parsing stopped early.
	io.Copy(io.Discard, tee)

	switch {
	case errors.Is(src.err, zip.ErrChecksum):
		return fmt.Errorf("%s checksum mismatch (file altered or corrupted)", describe(f.Name))
	case src.err != nil:
		return fmt.Errorf("%s is truncated or corrupted (%w)", describe(f.Name), src.err)
	case hex.EncodeToString(h.Sum(nil)) != want.SHA256:
		return fmt.Errorf("%s checksum mismatch (file altered or corrupted)", describe(f.Name))
	case perr != nil:
		return fmt.Errorf("%s: %w", describe(f.Name), perr)
	}
	return nil
}

// errReader remembers the first error other than io.EOF from r, which is how
// verify tells a damaged archive from a malformed array.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
