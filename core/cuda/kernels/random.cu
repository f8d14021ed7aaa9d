// Normal random numbers of the GPU autograd backend (backend.go): the
// stream of autograd.NormalPair, so that the CPU and GPU backends draw the
// same values from the same seed. Element 2p and 2p+1 are the Box–Muller
// pair of two SplitMix64 outputs at counters 2p+1 and 2p+2 of the seed,
// computed in double precision whatever the element type.
#include "common.cuh"

__device__ inline unsigned long long splitmix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// normal: x[i] = the i-th N(0, 1) value of the stream seed. One thread per
// pair of elements.
template <typename T>
__device__ void normal(int n, unsigned long long seed, T* x) {
    const unsigned long long golden = 0x9E3779B97F4A7C15ull;
    const double twoM53 = 1.0 / 9007199254740992.0; // 2⁻⁵³
    GRID_STRIDE(p, ((long long)n + 1) / 2) {
        const unsigned long long q = (unsigned long long)p;
        const unsigned long long h1 = splitmix64(seed + (2 * q + 1) * golden);
        const unsigned long long h2 = splitmix64(seed + (2 * q + 2) * golden);
        const double u1 = ((double)(h1 >> 11) + 1.0) * twoM53; // (0, 1]: log is finite
        const double u2 = (double)(h2 >> 11) * twoM53;
        const double r = sqrt(-2.0 * log(u1));
        const double a = 6.283185307179586 * u2; // 2π·u2, as Go rounds 2*math.Pi
        x[2 * p] = (T)(r * cos(a));
        if (2 * p + 1 < n) {
            x[2 * p + 1] = (T)(r * sin(a));
        }
    }
}

extern "C" {
__global__ void normal_f32(int n, unsigned long long seed, float* x) { normal(n, seed, x); }
__global__ void normal_f64(int n, unsigned long long seed, double* x) { normal(n, seed, x); }
}
