// Element-wise kernels over n contiguous values.
//
// Each walks its array with a grid-stride loop, so any launch shape covers
// any n and callers can size the grid for occupancy rather than for n. The
// index is 64-bit because i + stride can pass 2³¹ even when n does not.
// Every kernel exists as <name>_f32 and <name>_f64 to match tensor.Float.

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)

// fill: x[i] = v.
template <typename T>
__device__ void fill(int n, T v, T* x) {
    GRID_STRIDE(i, n) { x[i] = v; }
}

// axpy: y[i] += alpha·x[i].
template <typename T>
__device__ void axpy(int n, T alpha, const T* x, T* y) {
    GRID_STRIDE(i, n) { y[i] += alpha * x[i]; }
}

// add: out[i] = a[i] + b[i]; out may alias a or b.
template <typename T>
__device__ void add(int n, const T* a, const T* b, T* out) {
    GRID_STRIDE(i, n) { out[i] = a[i] + b[i]; }
}

// mul: out[i] = a[i]·b[i]; out may alias a or b.
template <typename T>
__device__ void mul(int n, const T* a, const T* b, T* out) {
    GRID_STRIDE(i, n) { out[i] = a[i] * b[i]; }
}

// scale: out[i] = alpha·x[i]; out may alias x.
template <typename T>
__device__ void scale(int n, T alpha, const T* x, T* out) {
    GRID_STRIDE(i, n) { out[i] = alpha * x[i]; }
}

extern "C" {
__global__ void fill_f32(int n, float v, float* x) { fill(n, v, x); }
__global__ void fill_f64(int n, double v, double* x) { fill(n, v, x); }
__global__ void axpy_f32(int n, float alpha, const float* x, float* y) { axpy(n, alpha, x, y); }
__global__ void axpy_f64(int n, double alpha, const double* x, double* y) { axpy(n, alpha, x, y); }
__global__ void add_f32(int n, const float* a, const float* b, float* out) { add(n, a, b, out); }
__global__ void add_f64(int n, const double* a, const double* b, double* out) { add(n, a, b, out); }
__global__ void mul_f32(int n, const float* a, const float* b, float* out) { mul(n, a, b, out); }
__global__ void mul_f64(int n, const double* a, const double* b, double* out) { mul(n, a, b, out); }
__global__ void scale_f32(int n, float alpha, const float* x, float* out) { scale(n, alpha, x, out); }
__global__ void scale_f64(int n, double alpha, const double* x, double* out) { scale(n, alpha, x, out); }
}
