package tensor

// Sigmoid sets dst[i] = 1/(1 + e^(−src[i])); dst may be src.
func Sigmoid(dst, src []Float) { sigmoid(dst[:len(src)], src) }

// SiLU sets dst[i] = src[i]·sigmoid(src[i]); dst may be src.
func SiLU(dst, src []Float) { silu(dst[:len(src)], src) }
