package tensor

// gemm is the kernel Gemm dispatches to; platform files may replace it.
var gemm = gemmRef
