// Gathers and scatters of the GPU autograd backend (backend.go), with
// int32 indices in device memory.
//
// A scatter adds several inputs into one output where indices repeat.
// Rather than float atomics, whose order of additions (hence rounding)
// changes from run to run, the host inverts the index list: for output k,
// perm[off[k]] … perm[off[k+1]−1] are the inputs that land on it, in
// increasing order. One thread per output element then adds them in that
// order to the element's current value, which is the CPU's order too.
#include "common.cuh"

// gather_rows: out (rows×cols) row i = x row idx[i].
template <typename T>
__device__ void gather_rows(int rows, int cols, const int* idx, const T* x, T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long i = e / cols, c = e - i * cols;
        out[e] = x[(long long)idx[i] * cols + c];
    }
}

// scatter_rows: out (rows×cols) row k += Σ x row perm[p], p ∈ [off[k], off[k+1]).
template <typename T>
__device__ void scatter_rows(int rows, int cols, const int* off, const int* perm, const T* x, T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long k = e / cols, c = e - k * cols;
        T s = out[e];
        for (int p = off[k]; p < off[k + 1]; p++) {
            s += x[(long long)perm[p] * cols + c];
        }
        out[e] = s;
    }
}

// gather_cols: out (rows×cols) column j = column idx[j] of x (rows×xcols).
template <typename T>
__device__ void gather_cols(int rows, int cols, const int* idx, const T* x, int xcols, T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long i = e / cols, j = e - i * cols;
        out[e] = x[i * xcols + idx[j]];
    }
}

// scatter_cols: out (rows×cols) column k += Σ column perm[p] of x
// (rows×xcols), p ∈ [off[k], off[k+1]).
template <typename T>
__device__ void scatter_cols(int rows, int cols, const int* off, const int* perm, const T* x, int xcols, T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long i = e / cols, k = e - i * cols;
        const T* xi = x + i * xcols;
        T s = out[e];
        for (int p = off[k]; p < off[k + 1]; p++) {
            s += xi[perm[p]];
        }
        out[e] = s;
    }
}

// map_cols: out (rows×cols) column k = Σ w[p]·column src[p] of x
// (rows×xcols), p ∈ [off[k], off[k+1]), added in increasing p from zero:
// a sparse linear map of every row (autograd.ColMap).
template <typename T>
__device__ void map_cols(int rows, int cols, const int* off, const int* src, const T* w, const T* x, int xcols,
                         T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long i = e / cols, k = e - i * cols;
        const T* xi = x + i * xcols;
        T s = 0;
        for (int p = off[k]; p < off[k + 1]; p++) {
            s += w[p] * xi[src[p]];
        }
        out[e] = s;
    }
}

// gather_in_rows: out (rows×cols) element (i, j) = x (rows×xcols) element
// (i, idx[i·cols + j]).
template <typename T>
__device__ void gather_in_rows(int rows, int cols, const int* idx, const T* x, int xcols, T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long i = e / cols;
        out[e] = x[i * xcols + idx[e]];
    }
}

// scatter_in_rows: out (rows×cols) element (i, k) += Σ x (rows×xcols)
// element (i, perm[p]), p ∈ [off[i·(cols+1) + k], off[i·(cols+1) + k + 1]):
// each row has its own inverted index.
template <typename T>
__device__ void scatter_in_rows(int rows, int cols, const int* off, const int* perm, const T* x, int xcols, T* out) {
    GRID_STRIDE(e, (long long)rows * cols) {
        const long long i = e / cols, k = e - i * cols;
        const int* o = off + i * (cols + 1) + k;
        const T* xi = x + i * xcols;
        T s = out[e];
        for (int p = o[0]; p < o[1]; p++) {
            s += xi[perm[p]];
        }
        out[e] = s;
    }
}

extern "C" {
__global__ void gather_rows_f32(int rows, int cols, const int* idx, const float* x, float* out) {
    gather_rows(rows, cols, idx, x, out);
}
__global__ void gather_rows_f64(int rows, int cols, const int* idx, const double* x, double* out) {
    gather_rows(rows, cols, idx, x, out);
}
__global__ void scatter_rows_f32(int rows, int cols, const int* off, const int* perm, const float* x, float* out) {
    scatter_rows(rows, cols, off, perm, x, out);
}
__global__ void scatter_rows_f64(int rows, int cols, const int* off, const int* perm, const double* x, double* out) {
    scatter_rows(rows, cols, off, perm, x, out);
}
__global__ void gather_cols_f32(int rows, int cols, const int* idx, const float* x, int xcols, float* out) {
    gather_cols(rows, cols, idx, x, xcols, out);
}
__global__ void gather_cols_f64(int rows, int cols, const int* idx, const double* x, int xcols, double* out) {
    gather_cols(rows, cols, idx, x, xcols, out);
}
__global__ void scatter_cols_f32(int rows, int cols, const int* off, const int* perm, const float* x, int xcols,
                                 float* out) {
    scatter_cols(rows, cols, off, perm, x, xcols, out);
}
__global__ void scatter_cols_f64(int rows, int cols, const int* off, const int* perm, const double* x, int xcols,
                                 double* out) {
    scatter_cols(rows, cols, off, perm, x, xcols, out);
}
__global__ void map_cols_f32(int rows, int cols, const int* off, const int* src, const float* w, const float* x,
                             int xcols, float* out) {
    map_cols(rows, cols, off, src, w, x, xcols, out);
}
__global__ void map_cols_f64(int rows, int cols, const int* off, const int* src, const double* w, const double* x,
                             int xcols, double* out) {
    map_cols(rows, cols, off, src, w, x, xcols, out);
}
__global__ void gather_in_rows_f32(int rows, int cols, const int* idx, const float* x, int xcols, float* out) {
    gather_in_rows(rows, cols, idx, x, xcols, out);
}
__global__ void gather_in_rows_f64(int rows, int cols, const int* idx, const double* x, int xcols, double* out) {
    gather_in_rows(rows, cols, idx, x, xcols, out);
}
__global__ void scatter_in_rows_f32(int rows, int cols, const int* off, const int* perm, const float* x, int xcols,
                                    float* out) {
    scatter_in_rows(rows, cols, off, perm, x, xcols, out);
}
__global__ void scatter_in_rows_f64(int rows, int cols, const int* off, const int* perm, const double* x, int xcols,
                                    double* out) {
    scatter_in_rows(rows, cols, off, perm, x, xcols, out);
}
}
