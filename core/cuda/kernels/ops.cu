// Element-wise and broadcasting kernels of the GPU autograd backend
// (backend.go). n, rows and cols are element counts of the output; all
// matrices are dense and row-major. Outputs may alias the first input
// (each element is read before it is written by the same thread), never
// a broadcast operand.
#include "common.cuh"

// binary: out = a ∘ b, op one of OP_ADD, OP_SUB, OP_MUL.
template <typename T>
__device__ void binary(int n, int op, const T* a, const T* b, T* out) {
    GRID_STRIDE(i, n) { out[i] = binary_op(op, a[i], b[i]); }
}

// sigmoid is 1/(1 + e^−x) without overflow in either branch (the CPU's
// float32 sigmoid is a vectorised approximation within 2 ulp of it).
template <typename T>
__device__ inline T sigmoid(T v) {
    if (v >= T(0)) {
        return T(1) / (T(1) + m_exp(-v));
    }
    const T e = m_exp(v);
    return e / (T(1) + e);
}

template <typename T>
__device__ inline T unary_op(int op, T v, T p) {
    switch (op) {
    case OP_SCALE:
        return p * v;
    case OP_ADDCONST:
        return v + p;
    case OP_SQUARE:
        return v * v;
    case OP_EXP:
        return m_exp(v);
    case OP_LOG:
        return m_log(v);
    case OP_POW:
        return m_pow(v, p);
    case OP_SIN:
        return m_sin(v);
    case OP_COS:
        return m_cos(v);
    case OP_TANH:
        return m_tanh(v);
    case OP_SIGMOID:
        return sigmoid(v);
    // The derivatives cancel near their zeros: double precision, as the
    // CPU computes them, then rounded.
    case OP_SILU_GRAD: {
        const double x = double(v), s = sigmoid(x);
        return T(s * (1 + x * (1 - s)));
    }
    case OP_SILU_GRAD2: {
        const double x = double(v), s = sigmoid(x);
        return T(s * (1 - s) * (2 + x * (1 - 2 * s)));
    }
    default: // OP_SILU
        return v * sigmoid(v);
    }
}

// unary: out = f(x), with p the operation's constant.
template <typename T>
__device__ void unary(int n, int op, T p, const T* x, T* out) {
    GRID_STRIDE(i, n) { out[i] = unary_op(op, x[i], p); }
}

// row_binary: out[r, c] = x[r, c] ∘ row[c].
template <typename T>
__device__ void row_binary(int rows, int cols, int op, const T* x, const T* row, T* out) {
    GRID_STRIDE(i, (long long)rows * cols) { out[i] = binary_op(op, x[i], row[i % cols]); }
}

// col_mul: out[r, c] = x[r, c]·col[r].
template <typename T>
__device__ void col_mul(int rows, int cols, const T* x, const T* col, T* out) {
    GRID_STRIDE(i, (long long)rows * cols) { out[i] = x[i] * col[i / cols]; }
}

// broadcast_rows: out[r, c] = row[c].
template <typename T>
__device__ void broadcast_rows(int rows, int cols, const T* row, T* out) {
    GRID_STRIDE(i, (long long)rows * cols) { out[i] = row[i % cols]; }
}

// broadcast_cols: out[r, c] = col[r].
template <typename T>
__device__ void broadcast_cols(int rows, int cols, const T* col, T* out) {
    GRID_STRIDE(i, (long long)rows * cols) { out[i] = col[i / cols]; }
}

// broadcast_all: out[i] = s[0].
template <typename T>
__device__ void broadcast_all(int n, const T* s, T* out) {
    const T v = s[0];
    GRID_STRIDE(i, n) { out[i] = v; }
}

// masked_scale: out = v where ref > 0, slope[0]·v elsewhere (PReLU).
template <typename T>
__device__ void masked_scale(int n, const T* v, const T* ref, const T* slope, T* out) {
    const T s = slope[0];
    GRID_STRIDE(i, n) {
        const T x = v[i];
        out[i] = positive(ref[i]) ? x : s * x;
    }
}

// zero_where_positive: out = 0 where ref > 0, w elsewhere.
template <typename T>
__device__ void zero_where_positive(int n, const T* w, const T* ref, T* out) {
    GRID_STRIDE(i, n) { out[i] = positive(ref[i]) ? T(0) : w[i]; }
}

// copy_cols: columns [src_col, src_col+width) of the rows×src_stride src
// into columns [dst_col, dst_col+width) of the rows×dst_stride dst.
template <typename T>
__device__ void copy_cols(int rows, int width, const T* src, int src_stride, int src_col, T* dst, int dst_stride,
                          int dst_col) {
    GRID_STRIDE(i, (long long)rows * width) {
        const long long r = i / width, c = i - r * width;
        dst[r * dst_stride + dst_col + c] = src[r * src_stride + src_col + c];
    }
}

// lerp: dst = (1−t)·dst + t·c·src (running averages, EMA).
template <typename T>
__device__ void lerp(int n, T t, T c, const T* src, T* dst) {
    GRID_STRIDE(i, n) { dst[i] = (T(1) - t) * dst[i] + t * c * src[i]; }
}

// adam: one Adam step (PyTorch's rule, bias corrections folded into
// step_size and inv_sqrt_c2 by the host).
template <typename T>
__device__ void adam(int n, T step_size, T beta1, T beta2, T inv_sqrt_c2, T eps, T* w, const T* g, T* m, T* v) {
    GRID_STRIDE(i, n) {
        const T gi = g[i];
        const T mi = beta1 * m[i] + (T(1) - beta1) * gi;
        const T vi = beta2 * v[i] + (T(1) - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= step_size * mi / (m_sqrt(vi) * inv_sqrt_c2 + eps);
    }
}

extern "C" {
__global__ void binary_f32(int n, int op, const float* a, const float* b, float* out) { binary(n, op, a, b, out); }
__global__ void binary_f64(int n, int op, const double* a, const double* b, double* out) { binary(n, op, a, b, out); }
__global__ void unary_f32(int n, int op, float p, const float* x, float* out) { unary(n, op, p, x, out); }
__global__ void unary_f64(int n, int op, double p, const double* x, double* out) { unary(n, op, p, x, out); }
__global__ void row_binary_f32(int rows, int cols, int op, const float* x, const float* row, float* out) {
    row_binary(rows, cols, op, x, row, out);
}
__global__ void row_binary_f64(int rows, int cols, int op, const double* x, const double* row, double* out) {
    row_binary(rows, cols, op, x, row, out);
}
__global__ void col_mul_f32(int rows, int cols, const float* x, const float* col, float* out) {
    col_mul(rows, cols, x, col, out);
}
__global__ void col_mul_f64(int rows, int cols, const double* x, const double* col, double* out) {
    col_mul(rows, cols, x, col, out);
}
__global__ void broadcast_rows_f32(int rows, int cols, const float* row, float* out) {
    broadcast_rows(rows, cols, row, out);
}
__global__ void broadcast_rows_f64(int rows, int cols, const double* row, double* out) {
    broadcast_rows(rows, cols, row, out);
}
__global__ void broadcast_cols_f32(int rows, int cols, const float* col, float* out) {
    broadcast_cols(rows, cols, col, out);
}
__global__ void broadcast_cols_f64(int rows, int cols, const double* col, double* out) {
    broadcast_cols(rows, cols, col, out);
}
__global__ void broadcast_all_f32(int n, const float* s, float* out) { broadcast_all(n, s, out); }
__global__ void broadcast_all_f64(int n, const double* s, double* out) { broadcast_all(n, s, out); }
__global__ void masked_scale_f32(int n, const float* v, const float* ref, const float* slope, float* out) {
    masked_scale(n, v, ref, slope, out);
}
__global__ void masked_scale_f64(int n, const double* v, const double* ref, const double* slope, double* out) {
    masked_scale(n, v, ref, slope, out);
}
__global__ void zero_where_positive_f32(int n, const float* w, const float* ref, float* out) {
    zero_where_positive(n, w, ref, out);
}
__global__ void zero_where_positive_f64(int n, const double* w, const double* ref, double* out) {
    zero_where_positive(n, w, ref, out);
}
__global__ void copy_cols_f32(int rows, int width, const float* src, int src_stride, int src_col, float* dst,
                              int dst_stride, int dst_col) {
    copy_cols(rows, width, src, src_stride, src_col, dst, dst_stride, dst_col);
}
__global__ void copy_cols_f64(int rows, int width, const double* src, int src_stride, int src_col, double* dst,
                              int dst_stride, int dst_col) {
    copy_cols(rows, width, src, src_stride, src_col, dst, dst_stride, dst_col);
}
__global__ void lerp_f32(int n, float t, float c, const float* src, float* dst) { lerp(n, t, c, src, dst); }
__global__ void lerp_f64(int n, double t, double c, const double* src, double* dst) { lerp(n, t, c, src, dst); }
__global__ void adam_f32(int n, float step_size, float beta1, float beta2, float inv_sqrt_c2, float eps, float* w,
                         const float* g, float* m, float* v) {
    adam(n, step_size, beta1, beta2, inv_sqrt_c2, eps, w, g, m, v);
}
__global__ void adam_f64(int n, double step_size, double beta1, double beta2, double inv_sqrt_c2, double eps,
                         double* w, const double* g, double* m, double* v) {
    adam(n, step_size, beta1, beta2, inv_sqrt_c2, eps, w, g, m, v);
}
}
