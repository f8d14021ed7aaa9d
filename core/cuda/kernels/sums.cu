// Reductions of the GPU autograd backend (backend.go), without atomics:
// every sum is added up in an order fixed by the shapes and the launch
// configuration, so a result is the same on every run. Launch with
// blockDim.x a multiple of 32 (the block and warp sums need whole warps).
//
// Long rows are summed by rowsum (reduce.cu), one block per row.
#include "common.cuh"
#include "reduce.cuh"

// sum_rows: out[r] = Σ_c x[r·cols + c], one warp per row: the lanes stride
// over the columns and a warp sum adds their partial sums. For the short
// rows (up to a few hundred columns) of the backend's column sums.
template <typename T>
__device__ void sum_rows(int rows, int cols, const T* x, T* out) {
    const int lane = threadIdx.x & 31;
    const int warps = blockDim.x >> 5;
    for (long long r = (long long)blockIdx.x * warps + (threadIdx.x >> 5); r < rows;
         r += (long long)gridDim.x * warps) {
        const T* row = x + r * cols;
        T s = T(0);
        for (int c = lane; c < cols; c += 32) {
            s += row[c];
        }
        s = warp_sum(s);
        if (lane == 0) {
            out[r] = s;
        }
    }
}

// sum_cols: column sums of chunks of rows. Block row blockIdx.y sums rows
// [blockIdx.y·chunk, (blockIdx.y+1)·chunk) of the rows×cols x, one thread
// per column adding the rows in order, into row blockIdx.y of out
// (gridDim.y×cols). A second launch with rows = chunk = gridDim.y of the
// first and gridDim.y = 1 adds the chunks up.
template <typename T>
__device__ void sum_cols(int rows, int cols, int chunk, const T* x, T* out) {
    const long long r0 = (long long)blockIdx.y * chunk;
    const long long r1 = r0 + chunk < rows ? r0 + chunk : rows;
    GRID_STRIDE(c, cols) {
        T s = T(0);
        for (long long r = r0; r < r1; r++) {
            s += x[r * cols + c];
        }
        out[(long long)blockIdx.y * cols + c] = s;
    }
}

// max_rows: out[r] = max_c x[r·cols + c], one thread per row; a NaN in a
// row is the row's maximum, as Go's max makes it, and an empty row's is
// −∞. (Softmax subtracts it as a constant: speed, not order, matters.)
template <typename T>
__device__ void max_rows(int rows, int cols, const T* x, T* out) {
    GRID_STRIDE(r, rows) {
        const T* row = x + r * cols;
        T m = -T(INFINITY);
        for (int c = 0; c < cols; c++) {
            const T v = row[c];
            if (v > m || v != v) {
                m = v;
                if (v != v) {
                    break;
                }
            }
        }
        out[r] = m;
    }
}

// sum_all: partial[blockIdx.x] = the sum of the elements block blockIdx.x
// visits in a grid-stride loop over x. A second launch on the gridDim.x
// partial sums, with one block, leaves the total in its partial[0].
template <typename T>
__device__ void sum_all(int n, const T* x, T* partial) {
    T s = T(0);
    GRID_STRIDE(i, n) { s += x[i]; }
    s = block_sum(s);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = s;
    }
}

extern "C" {
__global__ void sum_rows_f32(int rows, int cols, const float* x, float* out) { sum_rows(rows, cols, x, out); }
__global__ void sum_rows_f64(int rows, int cols, const double* x, double* out) { sum_rows(rows, cols, x, out); }
__global__ void sum_cols_f32(int rows, int cols, int chunk, const float* x, float* out) {
    sum_cols(rows, cols, chunk, x, out);
}
__global__ void sum_cols_f64(int rows, int cols, int chunk, const double* x, double* out) {
    sum_cols(rows, cols, chunk, x, out);
}
__global__ void max_rows_f32(int rows, int cols, const float* x, float* out) { max_rows(rows, cols, x, out); }
__global__ void max_rows_f64(int rows, int cols, const double* x, double* out) { max_rows(rows, cols, x, out); }
__global__ void sum_all_f32(int n, const float* x, float* partial) { sum_all(n, x, partial); }
__global__ void sum_all_f64(int n, const double* x, double* partial) { sum_all(n, x, partial); }
}
