// PReLU with one learned slope a (a 1-element device buffer, so the slope
// never travels to the host): y = x where x > 0, a·x elsewhere, as
// tensor.MaskedScale computes it. A NaN input takes the a·x branch here;
// the float32 CPU op may count it as positive instead, which changes no y
// or dx (NaN either way) but puts the NaN into ∂L/∂a only here.
//
// The backward pass is fused: one read of x and dy yields both dx and the
// slope's gradient ∂L/∂a = Σ_{x≤0} dy·x. The slope's gradient is written as
// one partial sum per block (da_part[blockIdx.x], gridDim.x values) rather
// than with atomics, so results do not depend on scheduling; sum the
// partials with rowsum (one row of gridDim.x columns). Launch the backward
// kernel with blockDim.x a multiple of 32.
#include "reduce.cuh"

template <typename T>
__device__ void prelu_forward(int n, const T* a, const T* x, T* y) {
    const T slope = a[0];
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)blockDim.x * gridDim.x) {
        const T v = x[i];
        y[i] = v > T(0) ? v : slope * v;
    }
}

template <typename T>
__device__ void prelu_backward(int n, const T* a, const T* x, const T* dy, T* dx, T* da_part) {
    const T slope = a[0];
    T s = T(0);
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)blockDim.x * gridDim.x) {
        const T v = x[i];
        const T g = dy[i];
        if (v > T(0)) {
            dx[i] = g;
        } else {
            dx[i] = slope * g;
            s += g * v;
        }
    }
    s = block_sum(s);
    if (threadIdx.x == 0) {
        da_part[blockIdx.x] = s;
    }
}

extern "C" {
__global__ void prelu_forward_f32(int n, const float* a, const float* x, float* y) { prelu_forward(n, a, x, y); }
__global__ void prelu_forward_f64(int n, const double* a, const double* x, double* y) { prelu_forward(n, a, x, y); }
__global__ void prelu_backward_f32(int n, const float* a, const float* x, const float* dy, float* dx, float* da_part) {
    prelu_backward(n, a, x, dy, dx, da_part);
}
__global__ void prelu_backward_f64(int n, const double* a, const double* x, const double* dy, double* dx, double* da_part) {
    prelu_backward(n, a, x, dy, dx, da_part);
}
}
