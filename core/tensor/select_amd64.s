//go:build amd64 && !f64

#include "textflag.h"

// func maskedScaleAVX2(dst, v, ref *float32, s float32, n int)
TEXT ·maskedScaleAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         v+8(FP), SI
	MOVQ         ref+16(FP), DX
	VBROADCASTSS s+24(FP), Y1
	MOVQ         n+32(FP), CX
	VPXOR        Y2, Y2, Y2
	SHRQ         $3, CX
	JZ           maskedScaleDone

maskedScaleLoop:
	// Y3: all ones where ref's bits, as an int32, are positive.
	VMOVUPS   (SI), Y0
	VMOVDQU   (DX), Y3
	VPCMPGTD  Y2, Y3, Y3
	VMULPS    Y1, Y0, Y4
	VBLENDVPS Y3, Y0, Y4, Y4
	VMOVUPS   Y4, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DX
	ADDQ      $32, DI
	DECQ      CX
	JNZ       maskedScaleLoop
	VZEROUPPER

maskedScaleDone:
	RET

// func zeroWherePositiveAVX2(dst, w, ref *float32, n int)
TEXT ·zeroWherePositiveAVX2(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  w+8(FP), SI
	MOVQ  ref+16(FP), DX
	MOVQ  n+24(FP), CX
	VPXOR Y2, Y2, Y2
	SHRQ  $3, CX
	JZ    zeroWherePositiveDone

zeroWherePositiveLoop:
	VMOVDQU  (DX), Y3
	VPCMPGTD Y2, Y3, Y3
	VPANDN   (SI), Y3, Y4
	VMOVUPS  Y4, (DI)
	ADDQ     $32, SI
	ADDQ     $32, DX
	ADDQ     $32, DI
	DECQ     CX
	JNZ      zeroWherePositiveLoop
	VZEROUPPER

zeroWherePositiveDone:
	RET
