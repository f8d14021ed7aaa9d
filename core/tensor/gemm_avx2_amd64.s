//go:build amd64 && !f64

#include "textflag.h"

// KSTEP2 is one rank-1 update of the 6×16 accumulator tile (Y0–Y11), the
// AVX2 counterpart of KSTEP in gemm_avx512_amd64.s.
#define KSTEP2 \
	VMOVUPS      (DI), Y12; \
	VMOVUPS      32(DI), Y13; \
	VBROADCASTSS 0(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS 4(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS 8(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS 12(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS 16(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS 20(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11; \
	ADDQ         $24, SI; \
	ADDQ         $64, DI

// KSTEPSTRIDED is KSTEP2 with A read in place rather than packed: the six
// values of a step are at SI, SI+R9, SI+2·R9, R10, R10+R9 and R10+2·R9
// (R10 = SI+3·R9), and the next step's R11 bytes further.
#define KSTEPSTRIDED \
	VMOVUPS      (DI), Y12; \
	VMOVUPS      32(DI), Y13; \
	VBROADCASTSS (SI), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS (SI)(R9*1), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS (SI)(R9*2), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS (R10), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS (R10)(R9*1), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS (R10)(R9*2), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11; \
	ADDQ         R11, SI; \
	ADDQ         R11, R10; \
	ADDQ         $64, DI

// STRIDEDARGS loads the arguments of the kernels that read A in place.
#define STRIDEDARGS \
	MOVQ k+0(FP), CX; \
	MOVQ a+8(FP), SI; \
	MOVQ rowStride+16(FP), R9; \
	SHLQ $2, R9; \
	LEAQ (SI)(R9*2), R10; \
	ADDQ R9, R10; \
	MOVQ kStride+24(FP), R11; \
	SHLQ $2, R11; \
	MOVQ b+32(FP), DI; \
	MOVQ c+40(FP), DX; \
	MOVQ ldc+48(FP), R8; \
	SHLQ $2, R8

// KLOOP2 clears the accumulators and adds the k (CX) rank-1 updates that
// step makes into them.
#define KLOOP2(step, loop, tail, done) \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11; \
	MOVQ   CX, BX; \
	SHRQ   $1, CX; \
	JZ     tail; \
loop: \
	step; \
	step; \
	DECQ   CX; \
	JNZ    loop; \
tail: \
	TESTQ  $1, BX; \
	JZ     done; \
	step; \
done:

// ADDROW2 adds alpha (Y14) times the accumulators lo and hi to the 16
// values at DX, then moves DX down a row of c (R8 bytes).
#define ADDROW2(lo, hi) \
	VFMADD213PS (DX), Y14, lo; \
	VFMADD213PS 32(DX), Y14, hi; \
	VMOVUPS     lo, (DX); \
	VMOVUPS     hi, 32(DX); \
	ADDQ        R8, DX

// SETROW2 is ADDROW2 storing alpha times the accumulators without
// reading c.
#define SETROW2(lo, hi) \
	VMULPS  Y14, lo, lo; \
	VMULPS  Y14, hi, hi; \
	VMOVUPS lo, (DX); \
	VMOVUPS hi, 32(DX); \
	ADDQ    R8, DX

#define STORE2(row) \
	row(Y0, Y1); \
	row(Y2, Y3); \
	row(Y4, Y5); \
	row(Y6, Y7); \
	row(Y8, Y9); \
	row(Y10, Y11); \
	VZEROUPPER

// func kernAVX2(k int, a, b, c *float32, ldc int, alpha float32)
TEXT ·kernAVX2(SB), NOSPLIT, $0-44
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	KLOOP2(KSTEP2, loop, tail, store)
	VBROADCASTSS alpha+40(FP), Y14
	STORE2(ADDROW2)
	RET

// func kernAVX2Set(k int, a, b, c *float32, ldc int, alpha float32)
TEXT ·kernAVX2Set(SB), NOSPLIT, $0-44
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	KLOOP2(KSTEP2, loop, tail, store)
	VBROADCASTSS alpha+40(FP), Y14
	STORE2(SETROW2)
	RET

// func kernAVX2Strided(k int, a *float32, rowStride, kStride int, b, c *float32, ldc int, alpha float32)
TEXT ·kernAVX2Strided(SB), NOSPLIT, $0-60
	STRIDEDARGS
	KLOOP2(KSTEPSTRIDED, loop, tail, store)
	VBROADCASTSS alpha+56(FP), Y14
	STORE2(ADDROW2)
	RET

// func kernAVX2StridedSet(k int, a *float32, rowStride, kStride int, b, c *float32, ldc int, alpha float32)
TEXT ·kernAVX2StridedSet(SB), NOSPLIT, $0-60
	STRIDEDARGS
	KLOOP2(KSTEPSTRIDED, loop, tail, store)
	VBROADCASTSS alpha+56(FP), Y14
	STORE2(SETROW2)
	RET

// func prefetchRows(a *float32, lda, k int)
TEXT ·prefetchRows(SB), NOSPLIT, $0-24
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), DX
	SHLQ $2, DX
	MOVQ k+16(FP), CX
	MOVQ $6, BX

rows:
	XORQ AX, AX

lines:
	PREFETCHT0 (SI)(AX*4)
	ADDQ       $16, AX
	CMPQ       AX, CX
	JLT        lines
	ADDQ       DX, SI
	DECQ       BX
	JNZ        rows
	RET
