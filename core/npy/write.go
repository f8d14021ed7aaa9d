package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// writeChunk is the size of the scratch buffer data is encoded through, so
// that writing a large array does not need a second copy of it in memory.
const writeChunk = 64 << 10

// Write writes a as a .npy file in the format numpy.save uses: version 1.0
// (2.0 if the header is too long for 1.0), little-endian, C order, data
// aligned to 64 bytes.
func Write(w io.Writer, a *Array) error {
	if err := a.Validate(); err != nil {
		return err
	}
	d, _ := lookupDtype(a.Dtype)
	if _, err := w.Write(encodeHeader(d, a.Shape)); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	var err error
	switch a.Dtype {
	case Float32:
		err = writeElems(w, a.F32, 4, func(dst []byte, v float32) { binary.LittleEndian.PutUint32(dst, math.Float32bits(v)) })
	case Float64:
		err = writeElems(w, a.F64, 8, func(dst []byte, v float64) { binary.LittleEndian.PutUint64(dst, math.Float64bits(v)) })
	case Uint8:
		_, err = w.Write(a.U8)
	case Int64:
		err = writeElems(w, a.I64, 8, func(dst []byte, v int64) { binary.LittleEndian.PutUint64(dst, uint64(v)) })
	}
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

func writeElems[T any](w io.Writer, data []T, size int, put func(dst []byte, v T)) error {
	buf := make([]byte, min(len(data)*size, writeChunk))
	for len(data) > 0 {
		k := min(len(data), writeChunk/size)
		for i, v := range data[:k] {
			put(buf[i*size:], v)
		}
		if _, err := w.Write(buf[:k*size]); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}
