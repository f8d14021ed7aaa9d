// Package bindings is the Go side of the Python package ddaebm: the one
// package gopy exports. It marshals and calls core; it holds no logic of
// its own.
//
// Its surface is shaped by what crosses the Go–Python boundary cheaply
// and safely:
//
//   - Only plain types (strings, numbers, uintptr) and handles to the
//     types declared here. Structured results travel as JSON strings.
//   - Arrays travel as an address and a byte count: the Python side passes
//     numpy's arr.ctypes.data of a C-contiguous array of the documented
//     dtype and keeps the array alive for the call; Go reads or writes the
//     memory in place and never keeps it after returning. gopy's own slice
//     conversion goes element by element through Python objects (about a
//     second per million values); this is a memcpy.
//   - Every exported function returns an error and recovers panics into
//     it, because a Go panic would otherwise kill the Python interpreter
//     (and a Jupyter kernel with it). Errors carry their Python exception
//     class as a prefix ("ValueError: …", see Kind) so the package raises
//     what a Python user expects.
//
// gopy releases the GIL for the duration of each call, so a Model guards
// its state with a mutex: Python threads may share one. Training, which
// Python runs as many short calls, holds the model through a Fit from
// start to end, so two threads' trainings never mix (Model.BeginFit).
package bindings
