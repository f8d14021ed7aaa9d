package nice

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// tinyNICE returns a NICE_t energy with a random scale layer and random
// PReLU slopes, so that no part of the flow is the identity.
func tinyNICE(dim, width, steps int, seed uint64) *Energy {
	rng := rand.New(rand.NewPCG(seed, 17))
	e := NewEnergy(dim, width, steps, rng)
	for i := range e.LogScale.Value.Data {
		e.LogScale.Value.Data[i] = tensor.Float(0.6 * (rng.Float64() - 0.5))
	}
	for _, p := range nn.Params(e) {
		if p.Value.Len() == 1 { // a PReLU slope
			p.Value.Data[0] = tensor.Float(0.1 + 0.5*rng.Float64())
		}
	}
	return e
}

func randomMatrix(rng *rand.Rand, r, c int) *tensor.Dense {
	d := tensor.New(r, c)
	for i := range d.Data {
		d.Data[i] = tensor.Float(rng.NormFloat64())
	}
	return d
}

func randomSteps(n, T int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 3))
	k := make([]int, n)
	for i := range k {
		k[i] = rng.IntN(T)
	}
	return k
}

func maxAbsDiff(a, b *tensor.Dense) float64 {
	var d float64
	for i := range a.Data {
		d = math.Max(d, math.Abs(float64(a.Data[i]-b.Data[i])))
	}
	return d
}

// Inverse undoes Flow and Flow undoes Inverse, at every step, also for an
// odd dimension (halves of unequal size).
func TestNICEInverse(t *testing.T) {
	for _, dim := range []int{6, 7} {
		e := tinyNICE(dim, 8, 3, 1)
		rng := rand.New(rand.NewPCG(2, 2))
		x := randomMatrix(rng, 9, dim)
		k := randomSteps(9, 3, 4)
		g := autograd.NewGraph()
		f, _ := e.Flow(g, g.Const(x), k)
		back := e.Inverse(g, f, k).Value
		y := randomMatrix(rng, 9, dim)
		f2, _ := e.Flow(g, e.Inverse(g, g.Const(y), k), k)
		if d := maxAbsDiff(back, x); d > 1e-4 {
			t.Errorf("dim %d: |f⁻¹(f(x)) − x| = %g", dim, d)
		}
		if d := maxAbsDiff(f2.Value, y); d > 1e-4 {
			t.Errorf("dim %d: |f(f⁻¹(y)) − y| = %g", dim, d)
		}
		// The flow is not close to the identity, so the checks above
		// exercise the couplings.
		perm := append(slices.Clone(e.halves[0]), e.halves[1]...)
		var moved float64
		for i := 0; i < x.R; i++ {
			for j, p := range perm {
				moved = math.Max(moved, math.Abs(float64(f.Value.At(i, j)-x.At(i, p))))
			}
		}
		if moved < 0.1 {
			t.Errorf("dim %d: the flow moves no coordinate by more than %g", dim, moved)
		}
	}
}

// logAbsDet returns log|det a| of a square matrix by Gaussian elimination
// with partial pivoting.
func logAbsDet(a [][]float64) float64 {
	n := len(a)
	var s float64
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		s += math.Log(math.Abs(a[c][c]))
		for r := c + 1; r < n; r++ {
			m := a[r][c] / a[c][c]
			for j := c; j < n; j++ {
				a[r][j] -= m * a[c][j]
			}
		}
	}
	return s
}

// The log-determinant the energy adds, Σ ℓ, is log|det ∂f/∂x| of the
// flow's Jacobian computed by brute force: central differences of f,
// then elimination. The couplings do shear the space (large off-diagonal
// entries) and preserve volume.
func TestNICELogDetMatchesBruteForceJacobian(t *testing.T) {
	const dim = 6
	e := tinyNICE(dim, 8, 2, 5)
	rng := rand.New(rand.NewPCG(6, 6))
	x := randomMatrix(rng, 1, dim)
	for _, k := range [][]int{{0}, {1}} {
		flow := func() []float64 {
			g := autograd.NewGraph()
			f, _ := e.Flow(g, g.Const(x), k)
			out := make([]float64, dim)
			for i, v := range f.Value.Data {
				out[i] = float64(v)
			}
			return out
		}
		jac := make([][]float64, dim) // jac[j][i] = ∂f_j/∂x_i
		for j := range jac {
			jac[j] = make([]float64, dim)
		}
		var offDiag float64
		for i := 0; i < dim; i++ {
			v := x.Data[i]
			x.Data[i] = v + autograd.FDStep
			up := flow()
			x.Data[i] = v - autograd.FDStep
			down := flow()
			x.Data[i] = v
			for j := range up {
				jac[j][i] = (up[j] - down[j]) / (2 * autograd.FDStep)
			}
		}
		for j := range jac {
			for i := range jac[j] {
				if i != j {
					offDiag = math.Max(offDiag, math.Abs(jac[j][i]))
				}
			}
		}
		g := autograd.NewGraph()
		_, logDet := e.Flow(g, g.Const(x), k)
		want := logAbsDet(jac)
		got := float64(logDet.Value.Data[0])
		if math.Abs(got-want) > autograd.FDTol {
			t.Errorf("k=%d: log-det %.9g, brute force %.9g", k[0], got, want)
		}
		if offDiag < 0.05 {
			t.Errorf("k=%d: Jacobian nearly diagonal (max off-diagonal %g)", k[0], offDiag)
		}
		t.Logf("k=%d: log-det %.9g, brute force %.9g, max off-diagonal %.3g", k[0], got, want, offDiag)
	}
}

// exp(E(x, k)) integrates to 1 at every k: the 2-D energy summed on a fine
// grid (midpoint rule) over a box holding all its mass.
func TestNICEIsNormalised(t *testing.T) {
	const T, n, lim = 2, 300, 9.0
	e := tinyNICE(2, 8, T, 8)
	h := 2 * lim / n
	x := tensor.New(n*n, 2)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x.Set(i*n+j, 0, tensor.Float(-lim+(float64(i)+0.5)*h))
			x.Set(i*n+j, 1, tensor.Float(-lim+(float64(j)+0.5)*h))
		}
	}
	for k := 0; k < T; k++ {
		ks := make([]int, n*n)
		for i := range ks {
			ks[i] = k
		}
		g := autograd.NewGraph()
		g.SetRecord(false)
		en := e.Forward(g, g.Const(x), ks).Value
		var z float64
		for _, v := range en.Data {
			z += math.Exp(float64(v)) * h * h
		}
		if math.Abs(z-1) > 2e-3 {
			t.Errorf("k=%d: ∫exp(E) = %.5f, want 1", k, z)
		}
	}
}

// niceParamFields lists the addresses of the energy's parameter fields in
// nn.Params order (the order of the fields), so a gradient check can put
// leaves in their place.
func niceParamFields(e *Energy) []**autograd.Node {
	var out []**autograd.Node
	for c := range e.layers {
		l := &e.layers[c]
		for i := range l.hidden {
			hl := &l.hidden[i]
			out = append(out, &hl.fc.W, &hl.fc.B, &hl.tfc.W, &hl.tfc.B, &hl.act.A, &hl.tact.A)
		}
		out = append(out, &l.out.W, &l.out.B)
	}
	return append(out, &e.LogScale)
}

// First and second derivatives of the energy with respect to its input
// and to the parameters of the first two couplings (one of each parity:
// every kind of parameter) and of the scale layer agree with finite
// differences; the second order is what the gradient penalty
// differentiates. The other couplings take part as constants, which keeps
// the check to seconds.
func TestNICEEnergyGradients(t *testing.T) {
	e := tinyNICE(4, 2, 2, 9)
	fields := niceParamFields(e)
	params := nn.Params(e)
	if len(fields) != len(params) {
		t.Fatalf("%d fields for %d parameters", len(fields), len(params))
	}
	for i, f := range fields {
		if *f != params[i] {
			t.Fatalf("field %d is not parameter %s", i, params[i].Name)
		}
	}
	perCoupling := (len(fields) - 1) / niceCouplings
	checked := append(fields[:2*perCoupling:2*perCoupling], fields[len(fields)-1])
	rng := rand.New(rand.NewPCG(10, 10))
	x := randomMatrix(rng, 3, 4)
	k := []int{0, 1, 1}
	w := []tensor.Float{0.7, -1.3, 0.4}
	inputs := []*tensor.Dense{x}
	saved := make([]*autograd.Node, len(checked))
	for i, fp := range checked {
		saved[i] = *fp
		inputs = append(inputs, (*fp).Value)
	}
	defer func() {
		for i, fp := range checked {
			*fp = saved[i]
		}
	}()
	f := func(g *autograd.Graph, in []*autograd.Node) *autograd.Node {
		for i, fp := range checked {
			*fp = in[i+1]
		}
		return g.SumAll(g.Mul(e.Forward(g, in[0], k), g.Const(tensor.FromSlice(3, 1, w))))
	}
	if err := autograd.CheckGrad(f, inputs, autograd.FDStep, autograd.FDTol); err != nil {
		t.Errorf("first order: %v", err)
	}
	if err := autograd.CheckGradOfGrad(f, inputs, autograd.FDStep, autograd.FDTol); err != nil {
		t.Errorf("second order: %v", err)
	}
}
