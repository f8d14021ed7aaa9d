// The matrix product without cuBLAS: c (m×n) = alpha·op(a)·op(b) + beta·c
// on dense row-major matrices, op transposing its argument when transA or
// transB is non-zero, with the semantics of tensor.Gemm. a is m×k (k×m
// when transA) with rows lda elements apart, b is k×n (n×k when transB)
// with rows ldb apart, c has rows ldc apart. Device.GemmPtr runs it when
// cuBLAS cannot be loaded or is turned off; cuda.LaunchGemmKernel launches
// it.
//
// Each block computes a GEMM_BM×GEMM_BN tile of c, walking k in steps of
// GEMM_BK: the block copies the GEMM_BM×GEMM_BK slab of op(a) and the
// GEMM_BK×GEMM_BN slab of op(b) into shared memory (zeros past the edges
// of the matrices, so every size works and nothing outside them is read),
// then each of its GEMM_TX×GEMM_TY threads accumulates GEMM_RM×GEMM_RN
// outputs in registers. The slabs are loaded with consecutive threads on
// consecutive addresses whichever way the operand is stored. A thread's
// outputs are GEMM_TY rows and GEMM_TX columns apart, so that a warp reads
// consecutive shared-memory words of b's slab and one or two of a's.
//
// Launch with blocks of exactly GEMM_TX×GEMM_TY×1 threads (16×16; the
// kernel traps otherwise) on any grid: blocks loop over the tiles of c,
// x along columns and y along rows, so a grid capped at the driver's
// 65535 blocks in y still covers every m. With beta == 0, c is only
// written (it may hold NaN); with k == 0, c becomes beta·c.
#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16
#define GEMM_TX 16
#define GEMM_TY 16
#define GEMM_RM (GEMM_BM / GEMM_TY)
#define GEMM_RN (GEMM_BN / GEMM_TX)

template <typename T>
__device__ void gemm(int transA, int transB, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
                     int ldb, T beta, T* c, int ldc) {
    if (blockDim.x != GEMM_TX || blockDim.y != GEMM_TY || blockDim.z != 1) {
        __trap();
    }
    // The +1 staggers the slabs' rows across shared-memory banks, so that
    // the loads of a transposed operand do not all hit one bank.
    __shared__ T as[GEMM_BK][GEMM_BM + 1]; // as[p][i] = op(a)[row0 + i][p0 + p]
    __shared__ T bs[GEMM_BK][GEMM_BN + 1]; // bs[p][j] = op(b)[p0 + p][col0 + j]
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * GEMM_TX + tx;
    const long long tilesM = ((long long)m + GEMM_BM - 1) / GEMM_BM;
    const long long tilesN = ((long long)n + GEMM_BN - 1) / GEMM_BN;
    for (long long tm = blockIdx.y; tm < tilesM; tm += gridDim.y) {
        for (long long tn = blockIdx.x; tn < tilesN; tn += gridDim.x) {
            const long long row0 = tm * GEMM_BM, col0 = tn * GEMM_BN;
            T acc[GEMM_RM][GEMM_RN];
            for (int r = 0; r < GEMM_RM; ++r) {
                for (int s = 0; s < GEMM_RN; ++s) {
                    acc[r][s] = T(0);
                }
            }
            for (long long p0 = 0; p0 < k; p0 += GEMM_BK) {
                for (int e = tid; e < GEMM_BM * GEMM_BK; e += GEMM_TX * GEMM_TY) {
                    // Consecutive e walk along a's rows in memory: along p
                    // when a is m×k, along i when it is stored k×m.
                    const int i = transA ? e % GEMM_BM : e / GEMM_BK;
                    const int p = transA ? e / GEMM_BM : e % GEMM_BK;
                    const long long gi = row0 + i, gp = p0 + p;
                    T v = T(0);
                    if (gi < m && gp < k) {
                        v = transA ? a[gp * lda + gi] : a[gi * lda + gp];
                    }
                    as[p][i] = v;
                }
                for (int e = tid; e < GEMM_BK * GEMM_BN; e += GEMM_TX * GEMM_TY) {
                    // Likewise along j when b is k×n, along p when n×k.
                    const int j = transB ? e / GEMM_BK : e % GEMM_BN;
                    const int p = transB ? e % GEMM_BK : e / GEMM_BN;
                    const long long gj = col0 + j, gp = p0 + p;
                    T v = T(0);
                    if (gj < n && gp < k) {
                        v = transB ? b[gj * ldb + gp] : b[gp * ldb + gj];
                    }
                    bs[p][j] = v;
                }
                __syncthreads();
                for (int p = 0; p < GEMM_BK; ++p) {
                    T ar[GEMM_RM], br[GEMM_RN];
                    for (int r = 0; r < GEMM_RM; ++r) {
                        ar[r] = as[p][ty + GEMM_TY * r];
                    }
                    for (int s = 0; s < GEMM_RN; ++s) {
                        br[s] = bs[p][tx + GEMM_TX * s];
                    }
                    for (int r = 0; r < GEMM_RM; ++r) {
                        for (int s = 0; s < GEMM_RN; ++s) {
                            acc[r][s] += ar[r] * br[s];
                        }
                    }
                }
                __syncthreads(); // the slabs are overwritten next
            }
            for (int r = 0; r < GEMM_RM; ++r) {
                const long long gi = row0 + ty + GEMM_TY * r;
                if (gi >= m) {
                    break;
                }
                for (int s = 0; s < GEMM_RN; ++s) {
                    const long long gj = col0 + tx + GEMM_TX * s;
                    if (gj >= n) {
                        break;
                    }
                    // As BLAS does, alpha does not touch an empty sum.
                    const T v = k > 0 ? alpha * acc[r][s] : T(0);
                    T* out = c + gi * ldc + gj;
                    *out = beta == T(0) ? v : v + beta * *out;
                }
            }
        }
    }
}

extern "C" {
__global__ void gemm_f32(int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda,
                         const float* b, int ldb, float beta, float* c, int ldc) {
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
__global__ void gemm_f64(int transA, int transB, int m, int n, int k, double alpha, const double* a, int lda,
                         const double* b, int ldb, double beta, double* c, int ldc) {
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
}
