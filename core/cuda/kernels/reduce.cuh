// Block-wide sum shared by the reducing kernels.
//
// Warp shuffles do the work inside each warp and one shared slot per warp
// carries the partial sums across warps, so a block needs no shared memory
// sized by the caller. The shuffles use the full-warp mask: kernels that
// reduce must be launched with blockDim.x a multiple of 32 (at most 1024).
#pragma once

template <typename T>
__device__ T warp_sum(T v) {
    for (int off = 16; off > 0; off >>= 1) {
        v += __shfl_down_sync(0xffffffffu, v, off);
    }
    return v;
}

// block_sum returns the sum of v over the block in thread 0 (other threads
// get partial sums). Every thread of the block must call it.
template <typename T>
__device__ T block_sum(T v) {
    __shared__ T partial[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    v = warp_sum(v);
    if (lane == 0) {
        partial[warp] = v;
    }
    __syncthreads();
    const int warps = blockDim.x >> 5;
    v = threadIdx.x < warps ? partial[threadIdx.x] : T(0);
    if (warp == 0) {
        v = warp_sum(v);
    }
    // A caller that reduces again (the next row) rewrites partial: wait
    // until warp 0 has read it.
    __syncthreads();
    return v;
}
