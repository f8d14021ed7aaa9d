// Kernels that test the emulation itself (emu_test.go): the warp and block
// intrinsics, launch shapes, argument passing, atomics, math, and the
// ways a launch fails. They are not part of the project's kernels.

// intrinsics: per thread t of a 1-D block, 8 results (see emu_test.go).
extern "C" __global__ void intrinsics(int* out) {
    const int t = threadIdx.x;
    const int v = 10 * t;
    int* o = out + 8 * (blockIdx.x * blockDim.x + t);
    o[0] = __shfl_down_sync(0xffffffffu, v, 3);
    o[1] = __shfl_up_sync(0xffffffffu, v, 5);
    o[2] = __shfl_xor_sync(0xffffffffu, v, 7);
    o[3] = __shfl_sync(0xffffffffu, v, 9);
    o[4] = __shfl_down_sync(0xffffffffu, v, 2, 8);
    o[5] = (int)__ballot_sync(0xffffffffu, t % 3 == 0);
    o[6] = __syncthreads_count(t % 5 == 0);
    o[7] = __reduce_add_sync(0xffffffffu, t);
}

// shuffled_sum: a tree sum of 64-bit values through shared memory and
// double shuffles, written by thread 0.
extern "C" __global__ void shuffled_sum(const double* x, double* out) {
    __shared__ double part[32];
    double v = x[threadIdx.x];
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0;
        for (unsigned w = 0; w < (blockDim.x + 31) / 32; w++) s += part[w];
        out[blockIdx.x] = s;
    }
}

// early_exit: threads t ≥ k return before a barrier that the rest use.
extern "C" __global__ void early_exit(int k, int* out) {
    __shared__ int s[1024];
    const int t = threadIdx.x;
    if (t >= k) return;
    s[t] = t + 1;
    __syncthreads();
    if (t == 0) {
        int sum = 0;
        for (int i = 0; i < k; i++) sum += s[i];
        out[blockIdx.x] = sum;
    }
}

// coords: every thread writes its threadIdx and blockIdx.
extern "C" __global__ void coords(int* out) {
    const int b = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const int t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    int* o = out + 6 * (b * (int)(blockDim.x * blockDim.y * blockDim.z) + t);
    o[0] = threadIdx.x;
    o[1] = threadIdx.y;
    o[2] = threadIdx.z;
    o[3] = blockIdx.x;
    o[4] = blockIdx.y;
    o[5] = blockIdx.z;
}

// params: every parameter type a launch passes, written back as doubles.
extern "C" __global__ void params(int i, unsigned u, long long l, unsigned long long ul, float f, double d,
                                  double* out) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        out[0] = i;
        out[1] = u;
        out[2] = (double)l;
        out[3] = (double)(ul >> 32);
        out[4] = (double)(ul & 0xffffffffu);
        out[5] = f;
        out[6] = d;
    }
}

extern "C" __global__ void atomics(int* count, float* fsum, double* dsum, unsigned long long* big) {
    atomicAdd(count, 1);
    atomicMax(count + 1, (int)(blockIdx.x * blockDim.x + threadIdx.x));
    atomicAdd(fsum, 0.5f);
    atomicAdd(dsum, (double)threadIdx.x);
    atomicAdd(big, 1ull << 33);
}

extern "C" __global__ void math_fns(float x, double y, float* f, double* d) {
    f[0] = rsqrtf(x);
    f[1] = __expf(x);
    f[2] = erfinvf(erff(x / 4));
    f[3] = normcdfinvf(normcdff(x / 4));
    f[4] = (float)__umulhi(0x89abcdefu, 0x12345678u);
    f[5] = (float)__popc(0xf0f0u);
    f[6] = max(x, 2);
    f[7] = min(3, (long long)x);
    d[0] = rsqrt(y);
    d[1] = erfinv(erf(y / 4));
    d[2] = (double)__umul64hi(0xfedcba9876543210ull, 0x0123456789abcdefull);
    d[3] = __longlong_as_double(__double_as_longlong(y));
}

// deadlock: thread 32 waits at a shuffle of warp 1 while the rest of warp
// 1 waits at __syncthreads, which waits for thread 32.
extern "C" __global__ void deadlock(int* out) {
    const int t = threadIdx.x;
    if (t == 32) out[0] = __shfl_down_sync(0xffffffffu, t, 1);
    __syncthreads();
}

extern "C" __global__ void fails_assert(int n, int* out) {
    assert(n < 3);
    out[threadIdx.x] = n;
}

extern "C" __global__ void traps(int* out) {
    if (threadIdx.x == 5) __trap();
    __syncthreads();
    out[threadIdx.x] = 1;
}

// Kernel names made by a macro, a declaration before the definition, and
// a template kernel (C++ linkage: not launchable by name).
#define CONSTANT_KERNEL(name, v) \
    extern "C" __global__ void name(int* out) { out[0] = v; }
CONSTANT_KERNEL(from_macro, 7)

extern "C" __global__ void declared_first(int* out);
extern "C" __global__ void __launch_bounds__(256) declared_first(int* out) { out[0] = 3; }

template <typename T>
__global__ void templated(T* x) {
    x[0] = T(1);
}
template __global__ void templated<float>(float*);

extern "C" {
struct Pair {
    int a, b;
};
__global__ void takes_struct(Pair p, int* out) { out[0] = p.a + p.b; }
}
