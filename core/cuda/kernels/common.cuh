// Helpers shared by the backend's kernels (ops.cu, sums.cu, gather.cu,
// random.cu).
//
// Every kernel walks its elements with a grid-stride loop, so any launch
// shape covers any size and the host sizes grids for occupancy, not for
// the data. Indices are 64-bit: i + stride, and row·cols, can pass 2³¹
// even when each operand fits an int.
#pragma once

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

#include "opcodes.cuh"

template <typename T>
__device__ inline T binary_op(int op, T a, T b) {
    switch (op) {
    case OP_ADD:
        return a + b;
    case OP_SUB:
        return a - b;
    default:
        return a * b;
    }
}

// Math functions by element type, named so that one spelling works under
// nvcc and under a host C++ compiler alike (no reliance on overloads of
// exp and friends for float).
__device__ inline float m_exp(float x) { return expf(x); }
__device__ inline double m_exp(double x) { return exp(x); }
__device__ inline float m_log(float x) { return logf(x); }
__device__ inline double m_log(double x) { return log(x); }
__device__ inline float m_pow(float x, float p) { return powf(x, p); }
__device__ inline double m_pow(double x, double p) { return pow(x, p); }
__device__ inline float m_sin(float x) { return sinf(x); }
__device__ inline double m_sin(double x) { return sin(x); }
__device__ inline float m_cos(float x) { return cosf(x); }
__device__ inline double m_cos(double x) { return cos(x); }
__device__ inline float m_tanh(float x) { return tanhf(x); }
__device__ inline double m_tanh(double x) { return tanh(x); }
__device__ inline float m_sqrt(float x) { return sqrtf(x); }
__device__ inline double m_sqrt(double x) { return sqrt(x); }

// positive is the mask test of tensor.MaskedScale and ZeroWherePositive.
// The float32 CPU code tests the sign of the float's integer image, which
// counts +NaN as positive and −NaN, ±0 as not; the float64 code compares
// with 0, for which every NaN is not positive.
__device__ inline bool positive(float r) { return r > 0.0f || (r != r && copysignf(1.0f, r) > 0.0f); }
__device__ inline bool positive(double r) { return r > 0.0; }
