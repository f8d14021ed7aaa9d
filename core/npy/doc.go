// Package npy reads and writes NumPy .npy files, the one array format that
// both this project and the Python tooling around it (plotting, evaluation
// notebooks, reference implementations) understand without glue code.
//
// A .npy file is a 6-byte magic string "\x93NUMPY", a major and minor
// version byte, a little-endian header length (2 bytes in version 1.0, 4 in
// 2.0 and 3.0), and a header that is the repr of a Python dict:
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and a final newline so that the raw array data, which
// follows immediately, starts at a multiple of 64 bytes. Write produces
// byte-for-byte what numpy.save produces for the same array, so files can be
// diffed against numpy's and numpy.load reads them.
//
// Only the four element types the project uses are supported: float32,
// float64, uint8 and int64, little-endian and in C (row-major) order.
// Anything else is rejected with an error naming what was found rather than
// silently converted, because a silently byte-swapped or transposed weight
// matrix trains into garbage without any other symptom.
//
// Read treats its input as untrusted. Header size and element count are
// bounded (ReadOptions) and checked before anything is allocated, and the
// data is read in chunks so that a header claiming a huge shape over a short
// file costs memory in proportion to the bytes actually present, not to the
// claim. Truncated and over-long files are errors, never short arrays.
//
// WriteFile replaces files atomically (AtomicWriteFile), so a crash or a full
// disk in the middle of saving never leaves a half-written file where a good
// one used to be.
package npy
