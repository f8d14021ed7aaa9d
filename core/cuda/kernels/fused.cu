// Fused kernels of the GPU autograd backend (backend.go): one launch where
// the element-wise and reducing kernels of ops.cu and sums.cu would take
// several, each reading its inputs once. They compute what the CPU
// backend's ColMulSum does, in its order of operations; nvcc may contract
// a product and a sum into a fused multiply-add, so results agree with the
// CPU's to rounding.
#include "common.cuh"

// col_mul_sum: out[r, c] = Σ_{i<n} x_i[r, c]·col_i[r] for n = 1, 2 or 3
// terms, added in order i = 0, 1, 2. The x_i and out are rows×cols, the
// col_i rows×1; those of unused terms may be null. out may alias any x_i
// (each element is read before it is written by the same thread).
template <typename T>
__device__ void col_mul_sum(int rows, int cols, int n, const T* x0, const T* c0, const T* x1, const T* c1,
                            const T* x2, const T* c2, T* out) {
    GRID_STRIDE(i, (long long)rows * cols) {
        const long long r = i / cols;
        T v = x0[i] * c0[r];
        if (n > 1) {
            v += x1[i] * c1[r];
        }
        if (n > 2) {
            v += x2[i] * c2[r];
        }
        out[i] = v;
    }
}

extern "C" {
__global__ void col_mul_sum_f32(int rows, int cols, int n, const float* x0, const float* c0, const float* x1,
                                const float* c1, const float* x2, const float* c2, float* out) {
    col_mul_sum(rows, cols, n, x0, c0, x1, c1, x2, c2, out);
}
__global__ void col_mul_sum_f64(int rows, int cols, int n, const double* x0, const double* c0, const double* x1,
                                const double* c1, const double* x2, const double* c2, double* out) {
    col_mul_sum(rows, cols, n, x0, c0, x1, c1, x2, c2, out);
}
}
