package tensor

import "math"

// Adam applies one Adam update to the parameters w with gradient g and
// moments m and v, all of one length: m ← β1·m + (1−β1)·g,
// v ← β2·v + (1−β2)·g², w ← w − stepSize·m / (√v·invSqrtC2 + eps), where
// stepSize and invSqrtC2 carry the bias corrections. Each product is
// rounded on its own (the conversions forbid fused multiply-adds), so the
// vectorised kernel, where the CPU has one, gives the loop's bits.
func Adam(w, g, m, v []Float, stepSize, beta1, beta2, invSqrtC2, eps Float) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	c1, c2 := 1-beta1, 1-beta2
	if n := len(w) &^ 7; n > 0 {
		consts := [7]Float{stepSize, beta1, beta2, invSqrtC2, eps, c1, c2}
		if adamVectors(w[:n], g, m, v, &consts) {
			w, g, m, v = w[n:], g[n:], m[n:], v[n:]
		}
	}
	adamGo(w, g, m, v, stepSize, beta1, beta2, invSqrtC2, eps, c1, c2)
}

// adamGo is Adam's loop, given c1 = 1−β1 and c2 = 1−β2.
func adamGo(w, g, m, v []Float, stepSize, beta1, beta2, invSqrtC2, eps, c1, c2 Float) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for j, gj := range g {
		mj := Float(beta1*m[j]) + Float(c1*gj)
		vj := Float(beta2*v[j]) + Float(Float(c2*gj)*gj)
		m[j], v[j] = mj, vj
		w[j] -= Float(stepSize*mj) / (Float(Float(math.Sqrt(float64(vj)))*invSqrtC2) + eps)
	}
}
