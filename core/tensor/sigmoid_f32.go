//go:build !f64

package tensor

import "math"

// Sigmoid and SiLU in float32 arithmetic, the same in Go and in the
// vector kernels (which do the identical operations in the identical
// order, so both give the same bits). For a = min(|x|, 112),
// e^(−a) = p(r)·2ⁿ with n = round(−a·log₂e) and |r| ≤ ln2/2 (Cephes'
// expf: Cody and Waite's two-part ln 2 and a degree-7 polynomial); then
//
//	sigmoid(x) = num/(1 + e^(−a)), num = 1 if x ≥ 0, e^(−a) if x < 0
//	silu(x)    = num/(1 + e^(−a)), num = x if x ≥ 0, −a·e^(−a) if x < 0
//
// Nothing overflows. For x < 0 the numerator is ((−a·p)·2^⌊n/2⌋)·2^(n−⌊n/2⌋):
// it stays in the normal range until the last factor, so a subnormal
// result loses nothing to an early rounding, and splitting 2ⁿ keeps each
// factor a normal float (2ⁿ is not one below 2⁻¹²⁶). Both functions round
// to 0 well before |x| = 112 (silu(−108.7) < 2⁻¹⁵⁰), so the bound changes
// nothing but keeps n small. Adding 0·x to silu's numerator leaves it
// unchanged but makes silu(−∞) NaN, as −∞·sigmoid(−∞) is in the device
// kernels and in PyTorch. A NaN input gives a NaN. Products are converted
// to float32 before they are added, so that no compiler fuses them into a
// multiply-add the kernels do not do.
const (
	expLog2e  = 1.44269504088896341
	expC1     = 0.693359375 // ln 2 = expC1 + expC2; n·expC1 is exact
	expC2     = -2.12194440e-4
	expP0     = 1.9875691500e-4
	expP1     = 1.3981999507e-3
	expP2     = 8.3334519073e-3
	expP3     = 4.1665795894e-2
	expP4     = 1.6666665459e-1
	expP5     = 5.0000001201e-1
	expMaxArg = 112 // the bound on a
)

// expNegParts returns p and the two power-of-two factors with
// e^(−a) = (p·s1)·s2, for 0 ≤ a ≤ expMaxArg (a NaN gives a NaN p).
func expNegParts(a float32) (p, s1, s2 float32) {
	t := -a
	n := float32(math.RoundToEven(float64(t * expLog2e)))
	r := t - float32(n*expC1)
	r = r - float32(n*expC2)
	q := float32(expP0*r) + expP1
	q = float32(q*r) + expP2
	q = float32(q*r) + expP3
	q = float32(q*r) + expP4
	q = float32(q*r) + expP5
	p = float32(q*float32(r*r)) + r + 1
	ni := int32(n)
	n1 := ni >> 1
	n2 := ni - n1
	s1 = math.Float32frombits(uint32(n1+127) << 23)
	s2 = math.Float32frombits(uint32(n2+127) << 23)
	return p, s1, s2
}

// sigmoidGo sets dst[i] = sigmoid(src[i]); the vector kernels do the same
// and leave it the elements past their last whole vector.
func sigmoidGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		p, s1, s2 := expNegParts(min(abs32(x), expMaxArg))
		e := float32(p*s1) * s2
		num := float32(1)
		if x < 0 {
			num = e
		}
		dst[i] = num / (1 + e)
	}
}

// siluGo sets dst[i] = silu(src[i]), as sigmoidGo does sigmoid.
func siluGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		a := min(abs32(x), expMaxArg)
		p, s1, s2 := expNegParts(a)
		e := float32(p*s1) * s2
		num := x
		if x < 0 {
			num = float32(float32(float32(-a*p)*s1)*s2) + float32(0*x)
		}
		dst[i] = num / (1 + e)
	}
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// sigmoid and silu are the kernels Sigmoid and SiLU run; platform files
// may replace them.
var sigmoid, silu = sigmoidGo, siluGo
