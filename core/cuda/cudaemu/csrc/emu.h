// emu.h: what a CUDA C kernel source expects from nvcc, for a host C++
// compiler. cudaemu force-includes it (-include emu.h) before every
// kernel source, so the sources compile unchanged.
//
// Threads are cooperative fibers run by emu.cc: blocks run one after
// another, the threads of a block interleave at __syncthreads and at the
// warp-level intrinsics, which are barriers here. Everything a thread can
// observe of the others goes through those calls, which the compiler sees
// as opaque functions (defined in another translation unit), so it cannot
// keep shared or global memory in registers across them.
//
// With -DCUDAEMU_SCAN the header only marks kernels for cudaemu's scan of
// the preprocessed sources (CUDAEMU_KERNEL stays an undefined token).
#pragma once

#define __CUDAEMU__ 1

// ---- Qualifiers -----------------------------------------------------------

#ifndef CUDAEMU_SCAN
#define CUDAEMU_KERNEL
#endif
#define __global__ CUDAEMU_KERNEL
#define __device__
#define __host__
#define __constant__
#define __managed__
#define __grid_constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
// Blocks run one after another, so one static instance per variable is
// the memory of the block running now. Like real shared memory it is not
// cleared between blocks.
#define __shared__ static
// __restrict__ is a GNU C++ keyword already.

#ifndef CUDAEMU_SCAN

#include <float.h>
#include <limits.h>
#include <math.h>  // libstdc++'s math.h also puts the float overloads of std::exp etc. in ::
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <type_traits>
#include <utility>

// ---- Vector types and built-in variables ------------------------------------

#define CUDAEMU_VEC2(T, N, A)                                  \
    struct __attribute__((aligned(A))) N##2 { T x, y; };       \
    inline N##2 make_##N##2(T x, T y) { return N##2{x, y}; }
#define CUDAEMU_VEC3(T, N)                                     \
    struct N##3 { T x, y, z; };                                \
    inline N##3 make_##N##3(T x, T y, T z) { return N##3{x, y, z}; }
#define CUDAEMU_VEC4(T, N, A)                                  \
    struct __attribute__((aligned(A))) N##4 { T x, y, z, w; }; \
    inline N##4 make_##N##4(T x, T y, T z, T w) { return N##4{x, y, z, w}; }
#define CUDAEMU_VECS(T, N, S)  \
    CUDAEMU_VEC2(T, N, 2 * S)  \
    CUDAEMU_VEC3(T, N)         \
    CUDAEMU_VEC4(T, N, 4 * S)
CUDAEMU_VECS(float, float, 4)
CUDAEMU_VECS(int, int, 4)
CUDAEMU_VECS(unsigned int, uint, 4)
CUDAEMU_VEC2(double, double, 16)
CUDAEMU_VEC3(double, double)
CUDAEMU_VEC4(double, double, 16)
CUDAEMU_VEC2(long long, longlong, 16)
CUDAEMU_VEC2(unsigned long long, ulonglong, 16)
#undef CUDAEMU_VECS
#undef CUDAEMU_VEC2
#undef CUDAEMU_VEC3
#undef CUDAEMU_VEC4

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};

namespace cudaemu {
// Set by the scheduler whenever it switches threads. They are not const:
// the compiler must reload them after every call into the runtime.
extern uint3 thread_idx, block_idx;
extern dim3 block_dim, grid_dim;

// Runtime entry points (emu.cc).
int sync_block(int pred);       // __syncthreads*: the number of threads with pred != 0
unsigned warp_gather(unsigned mask, uint64_t v, uint64_t out[32]);  // see below
void sync_warp(unsigned mask);
[[noreturn]] void trap(const char* what, const char* file, int line);

// Kernel registration (generated wrappers).
typedef void (*tramp_fn)(void* fn, const uint64_t* args);
int register_kernel(const char* name, void* fn, tramp_fn tramp, const char* sig);

inline unsigned linear_tid() { return (thread_idx.z * block_dim.y + thread_idx.y) * block_dim.x + thread_idx.x; }
inline unsigned lane() { return linear_tid() & 31u; }
}  // namespace cudaemu

#define threadIdx (::cudaemu::thread_idx)
#define blockIdx (::cudaemu::block_idx)
#define blockDim (::cudaemu::block_dim)
#define gridDim (::cudaemu::grid_dim)
static constexpr int warpSize = 32;

// ---- Synchronisation --------------------------------------------------------

inline void __syncthreads() { (void)::cudaemu::sync_block(0); }
inline int __syncthreads_count(int pred) { return ::cudaemu::sync_block(pred != 0); }
inline int __syncthreads_and(int pred) { return ::cudaemu::sync_block(pred != 0) == (int)(blockDim.x * blockDim.y * blockDim.z) ? 1 : 0; }
inline int __syncthreads_or(int pred) { return ::cudaemu::sync_block(pred != 0) != 0; }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::cudaemu::sync_warp(mask); }
// One thread at a time runs, so fences only need to stop the compiler.
inline void __threadfence() { __asm__ __volatile__("" ::: "memory"); }
inline void __threadfence_block() { __asm__ __volatile__("" ::: "memory"); }
inline void __threadfence_system() { __asm__ __volatile__("" ::: "memory"); }
#define __trap() ::cudaemu::trap("__trap()", __FILE__, __LINE__)
#define __brkpt() ::cudaemu::trap("__brkpt()", __FILE__, __LINE__)
inline void __nanosleep(unsigned) {}
inline long long clock64() { static long long t; return ++t; }
template <typename T>
inline T __ldg(const T* p) { return *p; }
template <typename T>
inline T __ldcs(const T* p) { return *p; }
template <typename T>
inline void __stcs(T* p, T v) { *p = v; }

// ---- Warp intrinsics ----------------------------------------------------------
//
// warp_gather is a barrier of the lanes of mask in the caller's warp (lanes
// that have exited or lie past the end of the block do not count): each
// lane contributes 8 bytes, and all get the 32 slots back, with the mask
// of the lanes that contributed. A lane reading a lane that did not take
// part reads its own value.

namespace cudaemu {
template <typename T>
inline uint64_t bits_of(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "warp intrinsics take values of at most 8 bytes");
    uint64_t b = 0;
    memcpy(&b, &v, sizeof v);
    return b;
}
template <typename T>
inline T from_bits(uint64_t b) {
    T v;
    memcpy(&v, &b, sizeof v);
    return v;
}
// shfl returns lane src's v, or the caller's own when src is outside its
// width-segment (out) or took no part.
template <typename T>
inline T shfl(unsigned mask, T v, int src, bool out) {
    uint64_t slots[32];
    const unsigned got = warp_gather(mask, bits_of(v), slots);
    if (out || src < 0 || src > 31 || !((got >> src) & 1u)) return v;
    return from_bits<T>(slots[src]);
}
}  // namespace cudaemu

template <typename T>
inline T __shfl_sync(unsigned mask, T v, int src, int width = warpSize) {
    const int lane = (int)::cudaemu::lane();
    const int base = lane & ~(width - 1);
    return ::cudaemu::shfl(mask, v, base + (src & (width - 1)), false);
}
template <typename T>
inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
    const int lane = (int)::cudaemu::lane();
    return ::cudaemu::shfl(mask, v, lane - (int)delta, (lane & (width - 1)) < (int)delta);
}
template <typename T>
inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
    const int lane = (int)::cudaemu::lane();
    return ::cudaemu::shfl(mask, v, lane + (int)delta, (lane & (width - 1)) + (int)delta >= width);
}
template <typename T>
inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = warpSize) {
    const int lane = (int)::cudaemu::lane();
    const int src = lane ^ lane_mask;
    // Earlier segments may be read, later ones give the caller's own value.
    return ::cudaemu::shfl(mask, v, src, src >= (lane & ~(width - 1)) + width);
}

inline unsigned __ballot_sync(unsigned mask, int pred) {
    uint64_t slots[32];
    const unsigned got = ::cudaemu::warp_gather(mask, pred != 0, slots);
    unsigned r = 0;
    for (int i = 0; i < 32; i++)
        if (((got >> i) & 1u) && slots[i]) r |= 1u << i;
    return r;
}
inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
inline int __all_sync(unsigned mask, int pred) {
    uint64_t slots[32];
    const unsigned got = ::cudaemu::warp_gather(mask, pred != 0, slots);
    for (int i = 0; i < 32; i++)
        if (((got >> i) & 1u) && !slots[i]) return 0;
    return 1;
}
inline unsigned __activemask() { return __ballot_sync(0xffffffffu, 1); }

namespace cudaemu {
template <typename T, typename F>
inline T warp_reduce(unsigned mask, T v, F f) {
    uint64_t slots[32];
    const unsigned got = warp_gather(mask, bits_of(v), slots);
    bool first = true;
    T r = v;
    for (int i = 0; i < 32; i++) {
        if (!((got >> i) & 1u)) continue;
        const T x = from_bits<T>(slots[i]);
        r = first ? x : f(r, x);
        first = false;
    }
    return r;
}
}  // namespace cudaemu
#define CUDAEMU_REDUCE(NAME, EXPR)                                                                                \
    inline int NAME(unsigned mask, int v) { return ::cudaemu::warp_reduce(mask, v, [](int a, int b) { return EXPR; }); } \
    inline unsigned NAME(unsigned mask, unsigned v) {                                                             \
        return ::cudaemu::warp_reduce(mask, v, [](unsigned a, unsigned b) { return EXPR; });                      \
    }
CUDAEMU_REDUCE(__reduce_add_sync, a + b)
CUDAEMU_REDUCE(__reduce_min_sync, a < b ? a : b)
CUDAEMU_REDUCE(__reduce_max_sync, a > b ? a : b)
CUDAEMU_REDUCE(__reduce_and_sync, a & b)
CUDAEMU_REDUCE(__reduce_or_sync, a | b)
CUDAEMU_REDUCE(__reduce_xor_sync, a ^ b)
#undef CUDAEMU_REDUCE

// ---- Atomics ------------------------------------------------------------------
//
// Threads are fibers on one OS thread and switch only at barriers, so a
// read-modify-write is atomic as written.

namespace cudaemu {
template <typename T>
struct same { typedef T type; };
}  // namespace cudaemu
// The value parameter is not deduced, so atomicAdd(&u, 1) with u unsigned
// converts 1 as CUDA's overloads do.
#define CUDAEMU_V typename ::cudaemu::same<T>::type
template <typename T>
inline T atomicAdd(T* p, CUDAEMU_V v) { T o = *p; *p = o + v; return o; }
template <typename T>
inline T atomicSub(T* p, CUDAEMU_V v) { T o = *p; *p = o - v; return o; }
template <typename T>
inline T atomicExch(T* p, CUDAEMU_V v) { T o = *p; *p = v; return o; }
template <typename T>
inline T atomicMin(T* p, CUDAEMU_V v) { T o = *p; if (v < o) *p = v; return o; }
template <typename T>
inline T atomicMax(T* p, CUDAEMU_V v) { T o = *p; if (v > o) *p = v; return o; }
template <typename T>
inline T atomicAnd(T* p, CUDAEMU_V v) { T o = *p; *p = o & v; return o; }
template <typename T>
inline T atomicOr(T* p, CUDAEMU_V v) { T o = *p; *p = o | v; return o; }
template <typename T>
inline T atomicXor(T* p, CUDAEMU_V v) { T o = *p; *p = o ^ v; return o; }
template <typename T>
inline T atomicCAS(T* p, CUDAEMU_V cmp, CUDAEMU_V v) { T o = *p; if (o == cmp) *p = v; return o; }
#undef CUDAEMU_V
inline unsigned atomicInc(unsigned* p, unsigned lim) { unsigned o = *p; *p = o >= lim ? 0 : o + 1; return o; }
inline unsigned atomicDec(unsigned* p, unsigned lim) { unsigned o = *p; *p = (o == 0 || o > lim) ? lim : o - 1; return o; }
#define CUDAEMU_ATOMIC_VARIANTS(NAME) \
    template <typename... A> inline auto NAME##_block(A... a) { return NAME(a...); } \
    template <typename... A> inline auto NAME##_system(A... a) { return NAME(a...); }
CUDAEMU_ATOMIC_VARIANTS(atomicAdd)
CUDAEMU_ATOMIC_VARIANTS(atomicSub)
CUDAEMU_ATOMIC_VARIANTS(atomicExch)
CUDAEMU_ATOMIC_VARIANTS(atomicMin)
CUDAEMU_ATOMIC_VARIANTS(atomicMax)
CUDAEMU_ATOMIC_VARIANTS(atomicCAS)
#undef CUDAEMU_ATOMIC_VARIANTS

// ---- Integer and bit intrinsics -----------------------------------------------

// min and max as CUDA has them for every arithmetic type, mixed types
// included (the common type, as the usual conversions give it).
template <typename A, typename B,
          typename = typename std::enable_if<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value>::type>
inline typename std::common_type<A, B>::type min(A a, B b) {
    typedef typename std::common_type<A, B>::type C;
    return (C)b < (C)a ? (C)b : (C)a;
}
template <typename A, typename B,
          typename = typename std::enable_if<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value>::type>
inline typename std::common_type<A, B>::type max(A a, B b) {
    typedef typename std::common_type<A, B>::type C;
    return (C)a < (C)b ? (C)b : (C)a;
}
inline unsigned umin(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long llmin(long long a, long long b) { return a < b ? a : b; }
inline long long llmax(long long a, long long b) { return a > b ? a : b; }
inline unsigned long long ullmin(unsigned long long a, unsigned long long b) { return a < b ? a : b; }
inline unsigned long long ullmax(unsigned long long a, unsigned long long b) { return a > b ? a : b; }

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned __brev(unsigned x) {
    unsigned r = 0;
    for (int i = 0; i < 32; i++, x >>= 1) r = (r << 1) | (x & 1u);
    return r;
}
inline unsigned long long __brevll(unsigned long long x) {
    unsigned long long r = 0;
    for (int i = 0; i < 64; i++, x >>= 1) r = (r << 1) | (x & 1u);
    return r;
}
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
inline long long __mul64hi(long long a, long long b) { return (long long)(((__int128)a * b) >> 64); }
inline int __mul24(int a, int b) { return (int)((long long)((a << 8) >> 8) * ((b << 8) >> 8)); }
inline unsigned __umul24(unsigned a, unsigned b) { return (a & 0xffffffu) * (b & 0xffffffu); }
inline unsigned __funnelshift_l(unsigned lo, unsigned hi, unsigned s) {
    s &= 31;
    return s ? (hi << s) | (lo >> (32 - s)) : hi;
}
inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned s) {
    s &= 31;
    return s ? (lo >> s) | (hi << (32 - s)) : lo;
}
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
    const unsigned long long v = ((unsigned long long)y << 32) | x;
    unsigned r = 0;
    for (int i = 0; i < 4; i++) r |= (unsigned)((v >> (8 * ((s >> (4 * i)) & 7))) & 0xff) << (8 * i);
    return r;
}
inline int __sad(int a, int b, unsigned c) { return (int)((a > b ? (unsigned)(a - b) : (unsigned)(b - a)) + c); }
inline unsigned __usad(unsigned a, unsigned b, unsigned c) { return (a > b ? a - b : b - a) + c; }
inline int __hadd(int a, int b) { return (int)(((long long)a + b) >> 1); }
inline unsigned __uhadd(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a + b) >> 1); }

// ---- Reinterpretation and conversion ------------------------------------------

inline float __int_as_float(int x) { return ::cudaemu::from_bits<float>((unsigned)x); }
inline float __uint_as_float(unsigned x) { return ::cudaemu::from_bits<float>(x); }
inline int __float_as_int(float x) { return (int)(unsigned)::cudaemu::bits_of(x); }
inline unsigned __float_as_uint(float x) { return (unsigned)::cudaemu::bits_of(x); }
inline double __longlong_as_double(long long x) { return ::cudaemu::from_bits<double>((unsigned long long)x); }
inline long long __double_as_longlong(double x) { return (long long)::cudaemu::bits_of(x); }
inline int __double2hiint(double x) { return (int)(::cudaemu::bits_of(x) >> 32); }
inline int __double2loint(double x) { return (int)(unsigned)::cudaemu::bits_of(x); }
inline double __hiloint2double(int hi, int lo) {
    return ::cudaemu::from_bits<double>(((unsigned long long)(unsigned)hi << 32) | (unsigned)lo);
}

// Round-to-nearest-even conversions; the _rz/_rd/_ru variants as their
// rounding says. The default floating-point environment rounds to
// nearest, which is what the _rn arithmetic below needs.
#define CUDAEMU_F2I(NAME, F, I)                                 \
    inline I NAME##_rn(F x) { return (I)nearbyint((double)x); } \
    inline I NAME##_rz(F x) { return (I)x; }                    \
    inline I NAME##_rd(F x) { return (I)floor((double)x); }     \
    inline I NAME##_ru(F x) { return (I)ceil((double)x); }
CUDAEMU_F2I(__float2int, float, int)
CUDAEMU_F2I(__float2uint, float, unsigned)
CUDAEMU_F2I(__float2ll, float, long long)
CUDAEMU_F2I(__float2ull, float, unsigned long long)
CUDAEMU_F2I(__double2int, double, int)
CUDAEMU_F2I(__double2uint, double, unsigned)
CUDAEMU_F2I(__double2ll, double, long long)
CUDAEMU_F2I(__double2ull, double, unsigned long long)
#undef CUDAEMU_F2I
#define CUDAEMU_TOF(NAME, I, F) \
    inline F NAME##_rn(I x) { return (F)x; } \
    inline F NAME##_rz(I x) { return (F)x; } \
    inline F NAME##_rd(I x) { return (F)x; } \
    inline F NAME##_ru(I x) { return (F)x; }
CUDAEMU_TOF(__int2float, int, float)
CUDAEMU_TOF(__uint2float, unsigned, float)
CUDAEMU_TOF(__ll2float, long long, float)
CUDAEMU_TOF(__ull2float, unsigned long long, float)
CUDAEMU_TOF(__int2double, int, double)
CUDAEMU_TOF(__uint2double, unsigned, double)
CUDAEMU_TOF(__ll2double, long long, double)
CUDAEMU_TOF(__ull2double, unsigned long long, double)
CUDAEMU_TOF(__double2float, double, float)
#undef CUDAEMU_TOF

// ---- Math -----------------------------------------------------------------------
//
// <math.h> has the C99 functions (expf, logf, powf, erff, ...) and, in
// C++, the float overloads of exp, log, pow, ... The rest of CUDA's math
// library follows; the fast intrinsics (__expf, ...) are the accurate
// functions here, so results can differ from a GPU's in the last bits.

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
inline double rcbrt(double x) { return 1.0 / cbrt(x); }
inline float saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float __saturatef(float x) { return saturatef(x); }
inline float fdividef(float a, float b) { return a / b; }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return expf(x); }
inline float __exp10f(float x) { return powf(10.0f, x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __log10f(float x) { return log10f(x); }
inline float __powf(float x, float y) { return powf(x, y); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline float __tanhf(float x) { return tanhf(x); }
inline void __sincosf(float x, float* s, float* c) { *s = sinf(x); *c = cosf(x); }
// sincosf, sincos and exp10f come from GNU libm (g++ and clang++ define
// _GNU_SOURCE for C++).
inline float sinpif(float x) { return sinf((float)M_PI * x); }
inline double sinpi(double x) { return sin(M_PI * x); }
inline float cospif(float x) { return cosf((float)M_PI * x); }
inline double cospi(double x) { return cos(M_PI * x); }
inline void sincospif(float x, float* s, float* c) { *s = sinpif(x); *c = cospif(x); }
inline void sincospi(double x, double* s, double* c) { *s = sinpi(x); *c = cospi(x); }
inline float rhypotf(float x, float y) { return 1.0f / hypotf(x, y); }
inline double rhypot(double x, double y) { return 1.0 / hypot(x, y); }
inline float norm3df(float a, float b, float c) { return sqrtf(a * a + b * b + c * c); }
inline double norm3d(double a, double b, double c) { return sqrt(a * a + b * b + c * c); }

// erfinv by Giles' single-precision approximation refined with Newton
// steps on erf, in double; erfcinv through erfinv(1 − y) refined on erfc.
inline double erfinv(double y) {
    if (!(y > -1.0 && y < 1.0)) {
        if (y == 1.0) return HUGE_VAL;
        if (y == -1.0) return -HUGE_VAL;
        return NAN;
    }
    double w = -log((1.0 - y) * (1.0 + y)), x;
    if (w < 5.0) {
        w -= 2.5;
        x = 2.81022636e-08;
        x = 3.43273939e-07 + x * w;
        x = -3.5233877e-06 + x * w;
        x = -4.39150654e-06 + x * w;
        x = 0.00021858087 + x * w;
        x = -0.00125372503 + x * w;
        x = -0.00417768164 + x * w;
        x = 0.246640727 + x * w;
        x = 1.50140941 + x * w;
    } else {
        w = sqrt(w) - 3.0;
        x = -0.000200214257;
        x = 0.000100950558 + x * w;
        x = 0.00134934322 + x * w;
        x = -0.00367342844 + x * w;
        x = 0.00573950773 + x * w;
        x = -0.0076224613 + x * w;
        x = 0.00943887047 + x * w;
        x = 1.00167406 + x * w;
        x = 2.83297682 + x * w;
    }
    x *= y;
    for (int i = 0; i < 3; i++) x -= (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
    return x;
}
inline float erfinvf(float y) { return (float)erfinv((double)y); }
inline double erfcinv(double y) {
    if (!(y > 0.0 && y < 2.0)) {
        if (y == 0.0) return HUGE_VAL;
        if (y == 2.0) return -HUGE_VAL;
        return NAN;
    }
    double x = erfinv(1.0 - y);
    if (isfinite(x))
        for (int i = 0; i < 3; i++) x += (erfc(x) - y) / (1.1283791670955126 * exp(-x * x));
    return x;
}
inline float erfcinvf(float y) { return (float)erfcinv((double)y); }
inline double normcdf(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }
inline float normcdff(float x) { return (float)normcdf((double)x); }
inline double normcdfinv(double p) { return -M_SQRT2 * erfcinv(2.0 * p); }
inline float normcdfinvf(float p) { return (float)normcdfinv((double)p); }
inline float erfcxf(float x) { return (float)(exp((double)x * x) * erfc((double)x)); }
inline double erfcx(double x) { return exp(x * x) * erfc(x); }

// Correctly rounded arithmetic: the host's IEEE operations round to
// nearest by default.
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline float __frsqrt_rn(float a) { return 1.0f / sqrtf(a); }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __drcp_rn(double a) { return 1.0 / a; }
inline double __dsqrt_rn(double a) { return sqrt(a); }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }

// ---- assert in kernels --------------------------------------------------------
// A failed assert (or __trap) ends the launch with an error rather than
// aborting the process: emu.cc defines __assert_fail within the library.

#include <assert.h>

// ---- Kernel registration --------------------------------------------------------
//
// CUDAEMU_REGISTER(name) registers the extern "C" kernel name with a
// trampoline that reads each argument from its 8-byte slot (little-endian:
// a 4-byte value is the low half of its slot, as cuda.Device.Launch packs
// it) and a signature string, one character per parameter:
//   p pointer, i/u signed/unsigned integer of at most 4 bytes,
//   l/L signed/unsigned 8-byte integer, f float, d double, ? other.

namespace cudaemu {
template <typename T>
constexpr char kind_of() {
    typedef typename std::remove_cv<T>::type U;
    if constexpr (std::is_pointer<U>::value) {
        return 'p';
    } else if constexpr (std::is_same<U, float>::value) {
        return 'f';
    } else if constexpr (std::is_same<U, double>::value) {
        return 'd';
    } else if constexpr (std::is_enum<U>::value) {
        return kind_of<typename std::underlying_type<U>::type>();
    } else if constexpr (std::is_integral<U>::value) {
        if constexpr (sizeof(U) <= 4) return std::is_signed<U>::value ? 'i' : 'u';
        else if constexpr (sizeof(U) == 8) return std::is_signed<U>::value ? 'l' : 'L';
        else return '?';
    } else {
        return '?';
    }
}
template <typename T>
inline T arg_at(const uint64_t* slot) {
    typedef typename std::remove_cv<typename std::remove_reference<T>::type>::type U;
    if constexpr (sizeof(U) <= 8 && std::is_trivially_copyable<U>::value && kind_of<U>() != '?') {
        U v;
        memcpy(&v, slot, sizeof v);
        return v;
    } else {
        // Not reached: Launch refuses kernels with a '?' parameter.
        static U none{};
        return none;
    }
}
template <typename F>
struct kernel_traits;
template <typename... A>
struct kernel_traits<void (*)(A...)> {
    static constexpr char sig[sizeof...(A) + 1] = {kind_of<A>()..., 0};
    template <size_t... I>
    static void call(void (*f)(A...), const uint64_t* args, std::index_sequence<I...>) {
        f(arg_at<A>(args + I)...);
    }
    static void tramp(void* f, const uint64_t* args) {
        call(reinterpret_cast<void (*)(A...)>(f), args, std::index_sequence_for<A...>{});
    }
};
template <typename... A>
struct kernel_traits<void (*)(A...) noexcept> : kernel_traits<void (*)(A...)> {};
}  // namespace cudaemu

#define CUDAEMU_REGISTER(name)                                                                                 \
    static const int cudaemu_registered_##name = ::cudaemu::register_kernel(                                   \
        #name, reinterpret_cast<void*>(&name), &::cudaemu::kernel_traits<decltype(&name)>::tramp,             \
        ::cudaemu::kernel_traits<decltype(&name)>::sig);

#endif  // CUDAEMU_SCAN
