// Package cuda is the GPU backend: device memory, matrix multiply through
// cuBLAS (or an embedded tiled kernel without it), and the project's own
// kernels, on NVIDIA GPUs.
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
// serves Gemm and GemmPtr only, and is optional: where it does not load,
// or where DDAEBM_CUBLAS=off, they run the embedded tiled kernel gemm
// (kernels/gemm.cu, launched by LaunchGemmKernel) instead, slower on
// large products but needing nothing beyond the driver. The library is
// looked for once per process; Device.GemmPath says which path is taken,
// with the path of the library or the reason it is not used.
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
// cuBLAS swapped, computing cᵀ = op(b)ᵀ·op(a)ᵀ, which moves no data. The
// tiled kernel works on the row-major matrices directly.
//
// # The autograd backend
//
// Backend implements autograd.Backend over a Runtime: a graph built with
// autograd.NewGraphOn(NewBackend(dev)) keeps every value in device memory
// and computes it with cuBLAS and the kernels below. *Device is the
// Runtime of a GPU; package cudaemu is one on the host, which runs the
// same kernel sources, so the backend is tested on machines without a
// GPU.
//
// # Kernels
//
// The kernels are CUDA C in kernels/*.cu, compiled to PTX for compute_80
// by `go generate ./core/cuda` (nvcc required, see kernels/gen.sh) and
// embedded; the driver compiles the PTX for the card at hand, so users
// need no CUDA toolkit. kernels/SHA256SUMS records the sources the PTX was
// generated from, and a test fails when they have changed since. Each
// kernel exists as <op>_f32 and <op>_f64; KernelName picks the one that
// matches tensor.Float. The kernels of the first table serve direct use
// of Buffers and the tests:
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
//	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
//	                                     c = alpha·op(a)·op(b) + beta·c
//
// n, rows and cols are ints; a is a one-element buffer. The element-wise
// kernels accept any launch shape. prelu_backward and rowsum reduce across
// a block with warp shuffles and need blockDim.x to be a multiple of 32;
// prelu_backward writes one partial sum per block, which rowsum over one
// row of gridDim.x columns adds up.
//
// gemm is the row-major product of GemmPtr without cuBLAS: c is m×n with
// rows ldc elements apart, op(a) m×k and op(b) k×n, a and b stored
// transposed (k×m, n×k) when the int flag transA or transB is non-zero,
// with rows lda and ldb apart. Its blocks are 16×16 threads, each block
// computing 64×64 tiles of c through shared-memory slabs of a and b, on
// any grid (x over column tiles, y over row tiles); with beta = 0 it does
// not read c. LaunchGemmKernel launches it as GemmPtr does.
//
// Backend (backend.go) computes with these, on dense row-major matrices
// (rows×cols; an output's shape unless said otherwise), op being an
// autograd.BinaryOp or UnaryOp code and idx, off, perm int32 arrays:
//
//	binary(n, op, a, b, out)             out = a ∘ b (+, −, ·)
//	unary(n, op, p, x, out)              out = f(x): p·x, x+p, x², eˣ, ln x, xᵖ, sin, cos
//	row_binary(rows, cols, op, x, row, out)  out[r,c] = x[r,c] ∘ row[c]
//	col_mul(rows, cols, x, col, out)     out[r,c] = x[r,c]·col[r]
//	broadcast_rows(rows, cols, row, out) out[r,c] = row[c]
//	broadcast_cols(rows, cols, col, out) out[r,c] = col[r]
//	broadcast_all(n, s, out)             out[i] = s[0]
//	masked_scale(n, v, ref, slope, out)  out = v if ref > 0 else slope[0]·v
//	zero_where_positive(n, w, ref, out)  out = 0 if ref > 0 else w
//	copy_cols(rows, width, src, srcStride, srcCol, dst, dstStride, dstCol)
//	                                     a block of columns from src to dst
//	lerp(n, t, c, src, dst)              dst = (1−t)·dst + t·c·src
//	adam(n, stepSize, β1, β2, invSqrtC2, eps, w, g, m, v)  one Adam step
//	sum_rows(rows, cols, x, out)         out[r] = Σ_c x[r,c], a warp per row
//	sum_cols(rows, cols, chunk, x, out)  out[y,c] = Σ x[r,c] over the rows
//	                                     of chunk y = blockIdx.y
//	sum_all(n, x, partial)               partial[block] = Σ of its elements
//	gather_rows(rows, cols, idx, x, out) out row i = x row idx[i]
//	scatter_rows(rows, cols, off, perm, x, out)
//	                                     out row k += Σ x rows perm[off[k]:off[k+1]]
//	gather_cols(rows, cols, idx, x, xcols, out)        out[i,j] = x[i,idx[j]]
//	scatter_cols(rows, cols, off, perm, x, xcols, out) out[i,k] += Σ x[i,perm[p]]
//	gather_in_rows(rows, cols, idx, x, xcols, out)     out[i,j] = x[i,idx[i·cols+j]]
//	scatter_in_rows(rows, cols, off, perm, x, xcols, out)
//	                                     as scatter_cols with each row's own off
//	normal(n, seed, x)                   x[i] = autograd.NormalPair's stream
//
// and with the fused kernels of kernels/fused.cu, each doing in one launch
// what a chain of the above would (x, mean and logVar rows×cols):
//
//	col_mul_sum(rows, cols, n, x0, c0, x1, c1, x2, c2, out)
//	                                     out[r,c] = Σ_{i<n} x_i[r,c]·c_i[r], n ≤ 3
//	gaussian_log_pdf_warp(rows, cols, x, mean, logVar, out)
//	                                     out[r] = −½·Σ_c [(x−mean)²·e^(−logVar)
//	                                     + logVar + log 2π], a warp per row
//	gaussian_log_pdf_block(rows, cols, x, mean, logVar, out)
//	                                     the same, a block per row
//
// Every kernel loops over its elements grid-stride, so any grid covers
// any size. The sums use no atomics: sum_cols and sum_all run twice (the
// partial sums, then their sum), and the scatters add, for each output
// element, the inputs the host's inverted index (off, perm) lists for it
// in increasing order, so every result is reproducible and the scatters
// match the CPU bit for bit. sum_rows, sum_all and the gaussian_log_pdf
// kernels need blockDim.x to be a multiple of 32.
package cuda
