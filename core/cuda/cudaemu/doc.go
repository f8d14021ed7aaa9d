// Package cudaemu emulates a CUDA device on the host: a cuda.Runtime whose
// kernels are the project's own CUDA C sources (cuda.KernelSources),
// compiled for the CPU with the host's C++ compiler.
//
// # Why
//
// The GPU backend drives the device through cuda.Runtime: memory, copies,
// kernel launches by name, matrix products. Most machines that run the
// tests have no GPU, and a backend tested only where one is found is
// hardly tested. With this package the backend's every path runs anywhere
// a C++ compiler is installed, on the very kernels the GPU runs (not on Go
// re-implementations of them that could drift apart), so a test catches a
// wrong grid, a swapped argument, a missing synchronisation barrier or a
// kernel bug before a GPU ever sees it:
//
//	func TestSomethingOnEmulatedGPU(t *testing.T) {
//		rt := cudaemu.ForTest(t) // skips without a C++ compiler; closed at the end
//		// ... hand rt to the code under test as its cuda.Runtime
//	}
//
// New returns a Runtime for code that wants to handle the errors itself;
// its error wraps ErrNoCompiler when there is nothing to build with.
//
// # Building
//
// The first New in a process writes the kernel sources, emu.h and emu.cc
// to a directory, finds the extern "C" __global__ kernels (scanning each
// source preprocessed, so kernels whose names come from macros count),
// generates a wrapper per kernel that reads its arguments from the 8-byte
// slots cuda.Device.Launch packs, compiles everything with $CXX, else g++,
// else clang++, and loads the shared library with purego: no cgo. A
// source that does not compile makes New fail with the compiler's
// messages.
//
// The library is cached under the SHA-256 of its inputs (sources,
// compiler, flags) in $DDAEBM_CUDAEMU_CACHE, else the user's cache
// directory (ddaebm/cudaemu), else a per-user directory in os.TempDir. A
// fresh build takes a few seconds; later test binaries load the cached
// file. Concurrent processes wait for the one that builds, and libraries
// are renamed into place whole.
//
// # How kernels run
//
// emu.h, included before every source, gives a host compiler what nvcc
// would: the qualifiers, threadIdx, blockIdx, blockDim and gridDim,
// vector types, __syncthreads (and _count, _and, _or), the warp shuffles,
// votes and __reduce_*_sync, atomics, __ldg, the integer and conversion
// intrinsics, and the math functions libm lacks (rsqrtf, erfinvf,
// normcdff, ...). A launch runs the blocks one after another; the threads
// of a block are cooperative fibers that switch at barriers only:
// __syncthreads waits for the block, a warp intrinsic for the lanes of its
// mask in the caller's warp. Lanes past the end of the block do not exist
// (a shuffle reading one returns the reader's value), and threads that
// have returned no longer count at barriers, as on a GPU. __shared__
// variables are static: blocks do not overlap, so one instance serves
// each in turn. Scheduling is a fixed round-robin: results are
// deterministic.
//
// Launches check more than the driver does: the arguments must match the
// kernel's parameters in number and C type, and pointer arguments must be
// 0 or addresses in live allocations. Copies and GemmPtr must stay within
// allocations. New memory is filled with 0xff bytes, NaN as float32 and
// float64, so results that read memory never written show it. A failed
// assert or __trap in a kernel, or threads that wait at barriers that can
// never complete, make Launch return an error.
//
// Costs: a barrier-free kernel costs about one fiber switch per block
// plus its arithmetic; a reduction about 100 ns per thread per barrier
// (see the benchmarks). Launches are serialised across the process.
//
// # What it cannot check
//
//   - nvcc and PTX: code that g++ accepts and nvcc rejects, or the
//     reverse; register use, __launch_bounds__, the driver's JIT. The
//     committed PTX is tested against the sources by package cuda's
//     SHA256SUMS test, not here.
//   - The driver: asynchronous errors, streams, contexts, device limits
//     other than the launch shape. Every call here is synchronous.
//   - Real concurrency: threads interleave only at barriers, so a data
//     race between threads that no barrier separates (a missing
//     __syncthreads, a read-modify-write that should be atomic) cannot
//     show, nor can timing effects or independent thread scheduling
//     within a warp.
//   - Performance: memory coalescing, bank conflicts, occupancy.
//   - Out-of-bounds accesses inside a kernel: they are not detected, and
//     may corrupt memory or crash the process.
//   - Bit-exact floating point: nvcc contracts a·b+c into fused
//     multiply-adds and its fast intrinsics (__expf, ...) are approximate;
//     here the host compiler's arithmetic and libm decide, so results
//     agree with a GPU's to rounding, not bit for bit.
//   - Dynamic shared memory (extern __shared__), which cuda.Runtime has
//     no launch parameter for; cooperative groups, textures, half
//     precision.
package cudaemu
