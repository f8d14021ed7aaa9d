//go:build amd64 && !f64

#include "textflag.h"

// func adamAVX(w, grad, m, v *float32, n int, consts *float32)
// Each line is one rounded operation of adamGo, in its order: no FMA.
TEXT ·adamAVX(SB), NOSPLIT, $0-48
	MOVQ         w+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         v+24(FP), BX
	MOVQ         n+32(FP), CX
	MOVQ         consts+40(FP), AX
	VBROADCASTSS 0(AX), Y8   // stepSize
	VBROADCASTSS 4(AX), Y9   // β1
	VBROADCASTSS 8(AX), Y10  // β2
	VBROADCASTSS 12(AX), Y11 // invSqrtC2
	VBROADCASTSS 16(AX), Y12 // eps
	VBROADCASTSS 20(AX), Y13 // 1−β1
	VBROADCASTSS 24(AX), Y14 // 1−β2
	SHRQ         $3, CX
	JZ           adamDone

adamLoop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y9, Y1 // β1·m
	VMULPS  Y0, Y13, Y2  // (1−β1)·g
	VADDPS  Y2, Y1, Y1   // m
	VMOVUPS Y1, (DX)
	VMULPS  (BX), Y10, Y3 // β2·v
	VMULPS  Y0, Y14, Y4   // (1−β2)·g
	VMULPS  Y0, Y4, Y4    // ·g
	VADDPS  Y4, Y3, Y3    // v
	VMOVUPS Y3, (BX)
	VSQRTPS Y3, Y5
	VMULPS  Y11, Y5, Y5   // √v·invSqrtC2
	VADDPS  Y12, Y5, Y5   // + eps
	VMULPS  Y1, Y8, Y6    // stepSize·m
	VDIVPS  Y5, Y6, Y6
	VMOVUPS (DI), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, BX
	DECQ    CX
	JNZ     adamLoop
	VZEROUPPER

adamDone:
	RET
