// Package cuda is the GPU backend: device memory, matrix multiply through
// cuBLAS, and the project's own kernels, on NVIDIA GPUs.
//
// # One binary for CPU and GPU
//
// Nothing is linked at build time. The CUDA driver (libcuda.so.1) and
// cuBLAS are opened at run time with github.com/ebitengine/purego, which
// needs no cgo, so CGO_ENABLED=0 builds work and a binary built anywhere
// runs everywhere. Loading happens on first use, never in an init
// function: importing the package on a machine without a GPU costs
// nothing, and every entry point then returns an error saying what was
// tried and what failed. Call Available to decide between this backend and
// the CPU one.
//
// cuBLAS is searched for as libcublas.so.13, .12 and .11 through the
// dynamic loader's path, then in $CUDA_HOME/lib64, /usr/local/cuda/lib64
// and the NVIDIA pip wheels' directories under the usual site-packages
// locations (including $VIRTUAL_ENV's and $CONDA_PREFIX's). The variable
// DDAEBM_CUBLAS, a full path to the library, replaces the search. cuBLAS
// is needed by Gemm only; kernels run without it.
//
// # Contexts and goroutines
//
// A CUDA context is current per OS thread, while the Go scheduler moves
// goroutines between threads. Each Device owns one context, and every
// method locks its goroutine to the OS thread and makes that context
// current before calling the driver, so a Device can be used from any
// goroutine. Calls on one Device are serialised by a mutex; the GPU work
// they queue runs asynchronously on the context's default stream.
//
// # Row-major matrices
//
// Buffers hold dense row-major matrices of tensor.Float (float32, or
// float64 with the f64 build tag), as the CPU tensors do. Gemm has the
// semantics of tensor.Gemm; it passes the operands to the column-major
// cuBLAS swapped, computing cᵀ = op(b)ᵀ·op(a)ᵀ, which moves no data.
//
// # Kernels
//
// The kernels are CUDA C in kernels/*.cu, compiled to PTX for compute_80
// by `go generate ./core/cuda` (nvcc required, see kernels/gen.sh) and
// embedded; the driver compiles the PTX for the card at hand, so users
// need no CUDA toolkit. kernels/SHA256SUMS records the sources the PTX was
// generated from, and a test fails when they have changed since. Each
// kernel exists as <op>_f32 and <op>_f64; KernelName picks the one that
// matches tensor.Float:
//
//	fill(n, v, x)                        x[i] = v
//	axpy(n, alpha, x, y)                 y[i] += alpha·x[i]
//	add(n, a, b, out)                    out[i] = a[i] + b[i]
//	mul(n, a, b, out)                    out[i] = a[i]·b[i]
//	scale(n, alpha, x, out)              out[i] = alpha·x[i]
//	prelu_forward(n, a, x, y)            y = x if x > 0 else a[0]·x
//	prelu_backward(n, a, x, dy, dx, da)  dx = dy if x > 0 else a[0]·dy;
//	                                     da[block] = Σ_{x≤0} dy·x per block
//	rowsum(rows, cols, x, out)           out[r] = Σ_c x[r·cols + c]
//
// n, rows and cols are ints; a is a one-element buffer. The element-wise
// kernels accept any launch shape. prelu_backward and rowsum reduce across
// a block with warp shuffles and need blockDim.x to be a multiple of 32;
// prelu_backward writes one partial sum per block, which rowsum over one
// row of gridDim.x columns adds up.
package cuda
