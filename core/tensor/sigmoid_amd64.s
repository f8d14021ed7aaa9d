//go:build amd64 && !f64

#include "textflag.h"

// The constants of sigmoid_f32.go, each repeated in the 8 lanes of a
// vector.
DATA sigAbs<>+0(SB)/8, $0x7fffffff7fffffff
DATA sigAbs<>+8(SB)/8, $0x7fffffff7fffffff
DATA sigAbs<>+16(SB)/8, $0x7fffffff7fffffff
DATA sigAbs<>+24(SB)/8, $0x7fffffff7fffffff
GLOBL sigAbs<>(SB), RODATA|NOPTR, $32
DATA sigSign<>+0(SB)/8, $0x8000000080000000
DATA sigSign<>+8(SB)/8, $0x8000000080000000
DATA sigSign<>+16(SB)/8, $0x8000000080000000
DATA sigSign<>+24(SB)/8, $0x8000000080000000
GLOBL sigSign<>(SB), RODATA|NOPTR, $32
DATA sigLog2e<>+0(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA sigLog2e<>+8(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA sigLog2e<>+16(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA sigLog2e<>+24(SB)/8, $0x3fb8aa3b3fb8aa3b
GLOBL sigLog2e<>(SB), RODATA|NOPTR, $32
DATA sigC1<>+0(SB)/8, $0x3f3180003f318000
DATA sigC1<>+8(SB)/8, $0x3f3180003f318000
DATA sigC1<>+16(SB)/8, $0x3f3180003f318000
DATA sigC1<>+24(SB)/8, $0x3f3180003f318000
GLOBL sigC1<>(SB), RODATA|NOPTR, $32
DATA sigC2<>+0(SB)/8, $0xb95e8083b95e8083
DATA sigC2<>+8(SB)/8, $0xb95e8083b95e8083
DATA sigC2<>+16(SB)/8, $0xb95e8083b95e8083
DATA sigC2<>+24(SB)/8, $0xb95e8083b95e8083
GLOBL sigC2<>(SB), RODATA|NOPTR, $32
DATA sigP0<>+0(SB)/8, $0x3950696739506967
DATA sigP0<>+8(SB)/8, $0x3950696739506967
DATA sigP0<>+16(SB)/8, $0x3950696739506967
DATA sigP0<>+24(SB)/8, $0x3950696739506967
GLOBL sigP0<>(SB), RODATA|NOPTR, $32
DATA sigP1<>+0(SB)/8, $0x3ab743ce3ab743ce
DATA sigP1<>+8(SB)/8, $0x3ab743ce3ab743ce
DATA sigP1<>+16(SB)/8, $0x3ab743ce3ab743ce
DATA sigP1<>+24(SB)/8, $0x3ab743ce3ab743ce
GLOBL sigP1<>(SB), RODATA|NOPTR, $32
DATA sigP2<>+0(SB)/8, $0x3c0889083c088908
DATA sigP2<>+8(SB)/8, $0x3c0889083c088908
DATA sigP2<>+16(SB)/8, $0x3c0889083c088908
DATA sigP2<>+24(SB)/8, $0x3c0889083c088908
GLOBL sigP2<>(SB), RODATA|NOPTR, $32
DATA sigP3<>+0(SB)/8, $0x3d2aa9c13d2aa9c1
DATA sigP3<>+8(SB)/8, $0x3d2aa9c13d2aa9c1
DATA sigP3<>+16(SB)/8, $0x3d2aa9c13d2aa9c1
DATA sigP3<>+24(SB)/8, $0x3d2aa9c13d2aa9c1
GLOBL sigP3<>(SB), RODATA|NOPTR, $32
DATA sigP4<>+0(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA sigP4<>+8(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA sigP4<>+16(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA sigP4<>+24(SB)/8, $0x3e2aaaaa3e2aaaaa
GLOBL sigP4<>(SB), RODATA|NOPTR, $32
DATA sigP5<>+0(SB)/8, $0x3f0000003f000000
DATA sigP5<>+8(SB)/8, $0x3f0000003f000000
DATA sigP5<>+16(SB)/8, $0x3f0000003f000000
DATA sigP5<>+24(SB)/8, $0x3f0000003f000000
GLOBL sigP5<>(SB), RODATA|NOPTR, $32
DATA sigBias<>+0(SB)/8, $0x0000007f0000007f
DATA sigBias<>+8(SB)/8, $0x0000007f0000007f
DATA sigBias<>+16(SB)/8, $0x0000007f0000007f
DATA sigBias<>+24(SB)/8, $0x0000007f0000007f
GLOBL sigBias<>(SB), RODATA|NOPTR, $32
DATA sigOne<>+0(SB)/8, $0x3f8000003f800000
DATA sigOne<>+8(SB)/8, $0x3f8000003f800000
DATA sigOne<>+16(SB)/8, $0x3f8000003f800000
DATA sigOne<>+24(SB)/8, $0x3f8000003f800000
GLOBL sigOne<>(SB), RODATA|NOPTR, $32
DATA sigMaxArg<>+0(SB)/8, $0x42e0000042e00000
DATA sigMaxArg<>+8(SB)/8, $0x42e0000042e00000
DATA sigMaxArg<>+16(SB)/8, $0x42e0000042e00000
DATA sigMaxArg<>+24(SB)/8, $0x42e0000042e00000
GLOBL sigMaxArg<>(SB), RODATA|NOPTR, $32
DATA sigZero<>+0(SB)/8, $0x0000000000000000
DATA sigZero<>+8(SB)/8, $0x0000000000000000
DATA sigZero<>+16(SB)/8, $0x0000000000000000
DATA sigZero<>+24(SB)/8, $0x0000000000000000
GLOBL sigZero<>(SB), RODATA|NOPTR, $32

// EXPNEG computes, for the 8 values x in Y0, the parts of sigmoid_f32.go's
// expNegParts: Y1 = a = min(|x|, 112), Y2 = −a, Y5 = p, Y7 = 2^⌊n/2⌋,
// Y6 = 2^(n−⌊n/2⌋), Y8 = e^(−a) = (p·Y7)·Y6, Y9 = 1 + e^(−a) and
// Y10 = the mask of x < 0. Y14 holds 1 and Y15 holds 112; min takes the
// bound first so that a NaN x passes through.
#define EXPNEG \
	VANDPS     sigAbs<>(SB), Y0, Y1; \
	VMINPS     Y1, Y15, Y1; \
	VXORPS     sigSign<>(SB), Y1, Y2; \
	VMULPS     sigLog2e<>(SB), Y2, Y3; \
	VROUNDPS   $0, Y3, Y3; \
	VMULPS     sigC1<>(SB), Y3, Y4; \
	VSUBPS     Y4, Y2, Y4; \
	VMULPS     sigC2<>(SB), Y3, Y5; \
	VSUBPS     Y5, Y4, Y4; \
	VMULPS     sigP0<>(SB), Y4, Y5; \
	VADDPS     sigP1<>(SB), Y5, Y5; \
	VMULPS     Y4, Y5, Y5; \
	VADDPS     sigP2<>(SB), Y5, Y5; \
	VMULPS     Y4, Y5, Y5; \
	VADDPS     sigP3<>(SB), Y5, Y5; \
	VMULPS     Y4, Y5, Y5; \
	VADDPS     sigP4<>(SB), Y5, Y5; \
	VMULPS     Y4, Y5, Y5; \
	VADDPS     sigP5<>(SB), Y5, Y5; \
	VMULPS     Y4, Y4, Y6; \
	VMULPS     Y6, Y5, Y5; \
	VADDPS     Y4, Y5, Y5; \
	VADDPS     Y14, Y5, Y5; \
	VCVTPS2DQ  Y3, Y6; \
	VPSRAD     $1, Y6, Y7; \
	VPSUBD     Y7, Y6, Y6; \
	VPADDD     sigBias<>(SB), Y7, Y7; \
	VPSLLD     $23, Y7, Y7; \
	VPADDD     sigBias<>(SB), Y6, Y6; \
	VPSLLD     $23, Y6, Y6; \
	VMULPS     Y7, Y5, Y8; \
	VMULPS     Y6, Y8, Y8; \
	VADDPS     Y14, Y8, Y9; \
	VCMPPS     $1, sigZero<>(SB), Y0, Y10

// func sigmoidAVX2(dst, src *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $3, CX
	JZ           sigdone
	VMOVUPS      sigOne<>(SB), Y14
	VMOVUPS      sigMaxArg<>(SB), Y15

sigloop:
	VMOVUPS   (SI), Y0
	EXPNEG
	// num = e^(−a) where x < 0, else 1
	VBLENDVPS Y10, Y8, Y14, Y11
	VDIVPS    Y9, Y11, Y11
	VMOVUPS   Y11, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       sigloop
	VZEROUPPER

sigdone:
	RET

// func siluAVX2(dst, src *float32, n int)
TEXT ·siluAVX2(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $3, CX
	JZ           siludone
	VMOVUPS      sigOne<>(SB), Y14
	VMOVUPS      sigMaxArg<>(SB), Y15

siluloop:
	VMOVUPS   (SI), Y0
	EXPNEG
	// num = ((−a·p)·2^⌊n/2⌋)·2^(n−⌊n/2⌋) + 0·x where x < 0, else x
	VMULPS    Y5, Y2, Y12
	VMULPS    Y7, Y12, Y12
	VMULPS    Y6, Y12, Y12
	VMULPS    sigZero<>(SB), Y0, Y13
	VADDPS    Y13, Y12, Y12
	VBLENDVPS Y10, Y12, Y0, Y11
	VDIVPS    Y9, Y11, Y11
	VMOVUPS   Y11, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       siluloop
	VZEROUPPER

siludone:
	RET
