//go:build amd64 && !f64

#include "textflag.h"

// func transpose16(dst *float32, ldd int, src *float32, offs *[16]int, lanes, k int)
//
// Writes row r of src (16 rows, offs[r] floats past src) into column r of dst
// (k rows, ldd apart), for r < lanes. Each pass loads a 16×16 block,
// transposes it in registers in four shuffle stages, and stores its rows
// with the lanes mask; the last pass masks its loads to the remaining
// columns so that it never reads past the end of a row.
TEXT ·transpose16(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ offs+24(FP), R9
	MOVQ lanes+32(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ k+40(FP), BX

block:
	MOVQ    $16, CX
	CMPQ    BX, CX
	CMOVQLT BX, CX
	MOVL    $1, AX
	SHLL    CX, AX
	DECL    AX
	KMOVW   AX, K2

	MOVQ    0(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z0
	MOVQ    8(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z1
	MOVQ    16(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z2
	MOVQ    24(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z3
	MOVQ    32(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z4
	MOVQ    40(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z5
	MOVQ    48(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z6
	MOVQ    56(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z7
	MOVQ    64(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z8
	MOVQ    72(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z9
	MOVQ    80(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z10
	MOVQ    88(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z11
	MOVQ    96(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z12
	MOVQ    104(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z13
	MOVQ    112(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z14
	MOVQ    120(R9), AX
	VMOVUPS (SI)(AX*4), K2, Z15

	// Interleave row pairs, then pairs of pairs: Z(4j+c) holds column c of
	// each 128-bit lane of rows 4j..4j+3.
	VUNPCKLPS Z1, Z0, Z16
	VUNPCKHPS Z1, Z0, Z17
	VUNPCKLPS Z3, Z2, Z18
	VUNPCKHPS Z3, Z2, Z19
	VUNPCKLPS Z5, Z4, Z20
	VUNPCKHPS Z5, Z4, Z21
	VUNPCKLPS Z7, Z6, Z22
	VUNPCKHPS Z7, Z6, Z23
	VUNPCKLPS Z9, Z8, Z24
	VUNPCKHPS Z9, Z8, Z25
	VUNPCKLPS Z11, Z10, Z26
	VUNPCKHPS Z11, Z10, Z27
	VUNPCKLPS Z13, Z12, Z28
	VUNPCKHPS Z13, Z12, Z29
	VUNPCKLPS Z15, Z14, Z30
	VUNPCKHPS Z15, Z14, Z31
	VUNPCKLPD Z18, Z16, Z0
	VUNPCKHPD Z18, Z16, Z1
	VUNPCKLPD Z19, Z17, Z2
	VUNPCKHPD Z19, Z17, Z3
	VUNPCKLPD Z22, Z20, Z4
	VUNPCKHPD Z22, Z20, Z5
	VUNPCKLPD Z23, Z21, Z6
	VUNPCKHPD Z23, Z21, Z7
	VUNPCKLPD Z26, Z24, Z8
	VUNPCKHPD Z26, Z24, Z9
	VUNPCKLPD Z27, Z25, Z10
	VUNPCKHPD Z27, Z25, Z11
	VUNPCKLPD Z30, Z28, Z12
	VUNPCKHPD Z30, Z28, Z13
	VUNPCKLPD Z31, Z29, Z14
	VUNPCKHPD Z31, Z29, Z15

	// Gather the matching 128-bit lanes of the four row groups: Z(q) ends
	// up holding column q.
	VSHUFF32X4 $0x44, Z4, Z0, Z16
	VSHUFF32X4 $0xEE, Z4, Z0, Z20
	VSHUFF32X4 $0x44, Z12, Z8, Z24
	VSHUFF32X4 $0xEE, Z12, Z8, Z28
	VSHUFF32X4 $0x44, Z5, Z1, Z17
	VSHUFF32X4 $0xEE, Z5, Z1, Z21
	VSHUFF32X4 $0x44, Z13, Z9, Z25
	VSHUFF32X4 $0xEE, Z13, Z9, Z29
	VSHUFF32X4 $0x44, Z6, Z2, Z18
	VSHUFF32X4 $0xEE, Z6, Z2, Z22
	VSHUFF32X4 $0x44, Z14, Z10, Z26
	VSHUFF32X4 $0xEE, Z14, Z10, Z30
	VSHUFF32X4 $0x44, Z7, Z3, Z19
	VSHUFF32X4 $0xEE, Z7, Z3, Z23
	VSHUFF32X4 $0x44, Z15, Z11, Z27
	VSHUFF32X4 $0xEE, Z15, Z11, Z31
	VSHUFF32X4 $0x88, Z24, Z16, Z0
	VSHUFF32X4 $0xDD, Z24, Z16, Z4
	VSHUFF32X4 $0x88, Z28, Z20, Z8
	VSHUFF32X4 $0xDD, Z28, Z20, Z12
	VSHUFF32X4 $0x88, Z25, Z17, Z1
	VSHUFF32X4 $0xDD, Z25, Z17, Z5
	VSHUFF32X4 $0x88, Z29, Z21, Z9
	VSHUFF32X4 $0xDD, Z29, Z21, Z13
	VSHUFF32X4 $0x88, Z26, Z18, Z2
	VSHUFF32X4 $0xDD, Z26, Z18, Z6
	VSHUFF32X4 $0x88, Z30, Z22, Z10
	VSHUFF32X4 $0xDD, Z30, Z22, Z14
	VSHUFF32X4 $0x88, Z27, Z19, Z3
	VSHUFF32X4 $0xDD, Z27, Z19, Z7
	VSHUFF32X4 $0x88, Z31, Z23, Z11
	VSHUFF32X4 $0xDD, Z31, Z23, Z15

	VMOVUPS Z0, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z1, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z2, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z3, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z4, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z5, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z6, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z7, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z8, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z9, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z10, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z11, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z12, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z13, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z14, K1, (DI)
	ADDQ    DX, DI
	DECQ    CX
	JZ      next
	VMOVUPS Z15, K1, (DI)
	ADDQ    DX, DI

next:
	ADDQ $64, SI
	SUBQ $16, BX
	JGT  block
	VZEROUPPER
	RET

// func copy32(dst *float32, ldd int, src *float32, ld, width, rows int)
//
// Copies rows ≥ 1 rows of width ≤ 32 floats, ld apart in src and ldd apart in
// dst, with one masked pair of vector moves per row instead of a memmove
// call per row.
TEXT ·copy32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8
	MOVQ width+32(FP), CX
	MOVQ rows+40(FP), BX

	// The low width bits of AX: K1 takes the first 16, K2 the next.
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K1
	SHRQ  $16, AX
	KMOVW AX, K2

row:
	VMOVUPS (SI), K1, Z0
	VMOVUPS 64(SI), K2, Z1
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z1, K2, 64(DI)
	ADDQ    R8, SI
	ADDQ    DX, DI
	DECQ    BX
	JNZ     row
	VZEROUPPER
	RET
