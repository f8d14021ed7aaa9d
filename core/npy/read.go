package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/ddaebm/ddaebm/core/memlimit"
)

const magic = "\x93NUMPY"

// ReadOptions bounds what Read accepts from untrusted input. Zero or
// negative fields take their defaults.
type ReadOptions struct {
	// MaxHeader is the largest header length accepted, in bytes. Default
	// 64 KiB; numpy itself refuses more than 10000 by default.
	MaxHeader int
	// MaxElements is the largest element count accepted. Default 1<<31.
	MaxElements int64
	// Digest, when set, receives every byte read: after a successful read,
	// the whole input, so that a hash of it covers the very bytes decoded.
	Digest io.Writer
}

const (
	defaultMaxHeader   = 64 << 10
	defaultMaxElements = 1 << 31
)

// readChunk is how many data bytes are read and decoded at a time. It bounds
// the scratch buffer and the over-allocation when a header lies about the
// data size.
const readChunk = 1 << 20

// Read reads one .npy array from r, which must end right after the array
// data. See the package documentation for what is validated.
func Read(r io.Reader, opt ReadOptions) (*Array, error) {
	a, err := read(r, opt)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

func read(r io.Reader, opt ReadOptions) (*Array, error) {
	if opt.MaxHeader <= 0 {
		opt.MaxHeader = defaultMaxHeader
	}
	if opt.MaxElements <= 0 {
		opt.MaxElements = defaultMaxElements
	}
	if opt.Digest != nil {
		r = io.TeeReader(r, opt.Digest)
	}
	br := bufio.NewReaderSize(r, 64<<10)

	var pre [8]byte
	n, err := io.ReadFull(br, pre[:])
	if err != nil && !isEOF(err) {
		return nil, err
	}
	if !bytes.HasPrefix(pre[:n], []byte(magic)) && !bytes.HasPrefix([]byte(magic), pre[:n]) {
		return nil, fmt.Errorf("not a .npy file: expected magic %q, found %q", magic, pre[:min(n, len(magic))])
	}
	if n < len(pre) {
		return nil, fmt.Errorf("truncated preamble: expected at least 10 bytes, found %d", n)
	}
	major, minor := pre[6], pre[7]
	if major < 1 || major > 3 || minor != 0 {
		return nil, fmt.Errorf("unsupported format version %d.%d (supported: 1.0, 2.0, 3.0)", major, minor)
	}

	lenBytes := 2
	if major > 1 {
		lenBytes = 4
	}
	var lb [4]byte
	if n, err := io.ReadFull(br, lb[:lenBytes]); err != nil {
		if isEOF(err) {
			return nil, fmt.Errorf("truncated preamble: expected %d bytes, found %d", 8+lenBytes, 8+n)
		}
		return nil, err
	}
	hlen := uint64(binary.LittleEndian.Uint32(lb[:]))
	if hlen > uint64(opt.MaxHeader) {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes (ReadOptions.MaxHeader)", hlen, opt.MaxHeader)
	}
	hdr := make([]byte, hlen)
	if n, err := io.ReadFull(br, hdr); err != nil {
		if isEOF(err) {
			return nil, fmt.Errorf("truncated header: expected %d bytes, found %d", hlen, n)
		}
		return nil, err
	}
	h, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}

	count, err := elementCount(h.shape)
	if err != nil {
		return nil, err
	}
	if count > opt.MaxElements {
		return nil, fmt.Errorf("shape %s has %d elements, more than the limit of %d (ReadOptions.MaxElements)", formatShape(h.shape), count, opt.MaxElements)
	}
	if count > math.MaxInt64/int64(h.dtype.size) || count > math.MaxInt {
		return nil, fmt.Errorf("shape %s is too large to hold in memory", formatShape(h.shape))
	}
	// A file that really holds this much would not fit: say so rather
	// than let the reading run the process out of memory.
	if err := memlimit.Check(fmt.Sprintf("an array of shape %s of %s", formatShape(h.shape), h.dtype.name), float64(count)*float64(h.dtype.size)); err != nil {
		return nil, err
	}

	a := &Array{Shape: h.shape, Dtype: h.dtype.name}
	var got int64
	switch h.dtype.name {
	case Float32:
		a.F32, got, err = readElems(br, int(count), 4, func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
			}
		})
	case Float64:
		a.F64, got, err = readElems(br, int(count), 8, func(dst []float64, src []byte) {
			for i := range dst {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
			}
		})
	case Uint8:
		a.U8, got, err = readElems(br, int(count), 1, func(dst []uint8, src []byte) { copy(dst, src) })
	case Int64:
		a.I64, got, err = readElems(br, int(count), 8, func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(binary.LittleEndian.Uint64(src[8*i:]))
			}
		})
	}
	want := count * int64(h.dtype.size)
	if isEOF(err) {
		return nil, fmt.Errorf("truncated data: shape %s of %s needs %d bytes, found %d", formatShape(h.shape), h.dtype.name, want, got)
	}
	if err != nil {
		return nil, err
	}
	if _, err := br.ReadByte(); err == nil {
		return nil, fmt.Errorf("unexpected bytes after the %d bytes of array data (expected end of file)", want)
	} else if err != io.EOF {
		return nil, err
	}
	return a, nil
}

// readElems reads n elements of size bytes each, decoding a chunk at a time.
// The result grows with the data actually read rather than being allocated
// for n up front, so a forged shape over a short input cannot force a huge
// allocation. It returns the number of bytes read, for truncation messages.
func readElems[T any](r io.Reader, n, size int, decode func(dst []T, src []byte)) ([]T, int64, error) {
	perChunk := readChunk / size
	buf := make([]byte, min(n, perChunk)*size)
	out := make([]T, 0, min(n, perChunk))
	var got int64
	for len(out) < n {
		k := min(n-len(out), perChunk)
		m, err := io.ReadFull(r, buf[:k*size])
		got += int64(m)
		if err != nil {
			return nil, got, err
		}
		if cap(out)-len(out) < k {
			grown := make([]T, len(out), min(n, 2*cap(out)+k))
			copy(grown, out)
			out = grown
		}
		decode(out[len(out):len(out)+k], buf[:k*size])
		out = out[:len(out)+k]
	}
	return out, got, nil
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
