// Row sums of a row-major rows×cols matrix: out[r] = Σ_c x[r·cols + c].
//
// One block per row (grid-stride over rows, so any grid covers any rows),
// threads striding over the columns, then a block-wide sum. Launch with
// blockDim.x a multiple of 32. The order of additions differs from a
// sequential CPU loop, so results agree to rounding, not bit for bit.
#include "reduce.cuh"

template <typename T>
__device__ void rowsum(int rows, int cols, const T* x, T* out) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* row = x + (long long)r * cols;
        T s = T(0);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            s += row[c];
        }
        s = block_sum(s);
        if (threadIdx.x == 0) {
            out[r] = s;
        }
    }
}

extern "C" __global__ void rowsum_f32(int rows, int cols, const float* x, float* out) { rowsum(rows, cols, x, out); }
extern "C" __global__ void rowsum_f64(int rows, int cols, const double* x, double* out) { rowsum(rows, cols, x, out); }
