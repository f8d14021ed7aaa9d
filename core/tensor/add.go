package tensor

// AddTo adds src to dst elementwise: dst[i] += src[i] for i < len(src).
func AddTo(dst, src []Float) { addTo(dst[:len(src)], src) }

// addToGo is AddTo's loop; platform files may replace addTo with a vector
// kernel that computes the same sums.
func addToGo(dst, src []Float) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}
