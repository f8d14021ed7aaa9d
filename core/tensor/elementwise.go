package tensor

// Add, Sub and Mul set dst[i] = a[i] ∘ b[i] for i < len(a) (b and dst at
// least as long); dst may be a or b. Each element is one IEEE operation,
// so the vector kernels give the same bits as these loops.
func Add(dst, a, b []Float) { addVec(dst[:len(a)], a, b[:len(a)]) }
func Sub(dst, a, b []Float) { subVec(dst[:len(a)], a, b[:len(a)]) }
func Mul(dst, a, b []Float) { mulVec(dst[:len(a)], a, b[:len(a)]) }

func addGo(dst, a, b []Float) {
	for i, v := range a {
		dst[i] = v + b[i]
	}
}

func subGo(dst, a, b []Float) {
	for i, v := range a {
		dst[i] = v - b[i]
	}
}

func mulGo(dst, a, b []Float) {
	for i, v := range a {
		dst[i] = v * b[i]
	}
}
