// Fused kernels of the GPU autograd backend (backend.go): one launch where
// the element-wise and reducing kernels of ops.cu and sums.cu would take
// several, each reading its inputs once. They compute what the CPU
// backend's ColMulSum and GaussianLogPDF do, in its order of operations;
// nvcc may contract a product and a sum into a fused multiply-add, so
// results agree with the CPU's to rounding.
#include "common.cuh"
#include "reduce.cuh"

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

// gaussian_term is one feature's (x−mean)²·e^(−log_var) + log_var + log 2π,
// log 2π rounded to T as the CPU's tensor.Float(math.Log(2π)) is.
template <typename T>
__device__ inline T gaussian_term(T x, T mean, T log_var) {
    const T d = x - mean;
    return d * d * m_exp(-log_var) + log_var + T(1.8378770664093453);
}

// gaussian_log_pdf_warp: out[r] = −½·Σ_c gaussian_term(x, mean, log_var)
// over row r of the rows×cols x, mean and log_var: log N(x; mean,
// diag(e^log_var)) per row. One warp per row, as sum_rows (sums.cu), for
// rows of up to a few hundred columns. Launch with blockDim.x a multiple
// of 32.
template <typename T>
__device__ void gaussian_log_pdf_warp(int rows, int cols, const T* x, const T* mean, const T* log_var, T* out) {
    const int lane = threadIdx.x & 31;
    const int warps = blockDim.x >> 5;
    for (long long r = (long long)blockIdx.x * warps + (threadIdx.x >> 5); r < rows;
         r += (long long)gridDim.x * warps) {
        const long long base = r * cols;
        T s = T(0);
        for (int c = lane; c < cols; c += 32) {
            s += gaussian_term(x[base + c], mean[base + c], log_var[base + c]);
        }
        s = warp_sum(s);
        if (lane == 0) {
            out[r] = T(-0.5) * s;
        }
    }
}

// gaussian_log_pdf_block: the same, one block per row, as rowsum
// (reduce.cu), for long rows. Launch with blockDim.x a multiple of 32.
template <typename T>
__device__ void gaussian_log_pdf_block(int rows, int cols, const T* x, const T* mean, const T* log_var, T* out) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const long long base = (long long)r * cols;
        T s = T(0);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            s += gaussian_term(x[base + c], mean[base + c], log_var[base + c]);
        }
        s = block_sum(s);
        if (threadIdx.x == 0) {
            out[r] = T(-0.5) * s;
        }
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
__global__ void gaussian_log_pdf_warp_f32(int rows, int cols, const float* x, const float* mean, const float* log_var,
                                          float* out) {
    gaussian_log_pdf_warp(rows, cols, x, mean, log_var, out);
}
__global__ void gaussian_log_pdf_warp_f64(int rows, int cols, const double* x, const double* mean,
                                          const double* log_var, double* out) {
    gaussian_log_pdf_warp(rows, cols, x, mean, log_var, out);
}
__global__ void gaussian_log_pdf_block_f32(int rows, int cols, const float* x, const float* mean, const float* log_var,
                                           float* out) {
    gaussian_log_pdf_block(rows, cols, x, mean, log_var, out);
}
__global__ void gaussian_log_pdf_block_f64(int rows, int cols, const double* x, const double* mean,
                                           const double* log_var, double* out) {
    gaussian_log_pdf_block(rows, cols, x, mean, log_var, out);
}
}
