package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// gemmCases cover all four transpose layouts at sizes where no dimension
// divides another or a tile size, plus vectors, a scalar and k = 0 (c =
// beta·c).
var gemmCases = [][3]int{{37, 53, 29}, {1, 1, 1}, {64, 1, 17}, {1, 33, 7}, {5, 4, 0}}

type gemmProblem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    tensor.Float
	a, b, c        *tensor.Dense // row-major, a and b stored transposed when flagged
}

func newGemmProblem(rng *rand.Rand, transA, transB bool, m, n, k int) *gemmProblem {
	rnd := func(r, c int) *tensor.Dense {
		d := tensor.New(r, c)
		for i := range d.Data {
			d.Data[i] = tensor.Float(rng.Float64()*2 - 1)
		}
		return d
	}
	p := &gemmProblem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, beta: -1.25}
	p.a, p.b = rnd(m, k), rnd(k, n)
	if transA {
		p.a = rnd(k, m)
	}
	if transB {
		p.b = rnd(n, k)
	}
	p.c = rnd(m, n)
	return p
}

func (p *gemmProblem) String() string {
	return fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d", p.transA, p.transB, p.m, p.n, p.k)
}

// cpu is the reference: core/tensor's Gemm on a copy of c.
func (p *gemmProblem) cpu() []tensor.Float {
	c := p.c.Clone()
	tensor.Gemm(p.transA, p.transB, p.alpha, p.a, p.b, p.beta, c)
	return c.Data
}

// colMajorRef executes a column-major gemm call literally as the BLAS
// reference defines it: element (i, j) of a matrix with leading dimension
// ld is at i + j·ld, and OP_T reads the stored matrix transposed.
func colMajorRef(g colMajorGemm, alpha tensor.Float, a, b []tensor.Float, beta tensor.Float, c []tensor.Float) {
	at := func(x []tensor.Float, op int32, ld, i, j int) tensor.Float {
		if op == opT {
			i, j = j, i
		}
		return x[i+j*ld]
	}
	for j := range g.n {
		for i := range g.m {
			var s tensor.Float
			for p := range g.k {
				s += at(a, g.opA, g.lda, i, p) * at(b, g.opB, g.ldb, p, j)
			}
			c[i+j*g.ldc] = alpha*s + beta*c[i+j*g.ldc]
		}
	}
}

func tolerance(k int) float64 {
	eps := math.Pow(2, -23)
	if tensor.Is64 {
		eps = math.Pow(2, -52)
	}
	return 16 * float64(k+2) * eps
}

func compare(t *testing.T, what string, got, want []tensor.Float, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Errorf("%s: element %d = %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

// TestRowMajorGemmMapping checks the row-major → column-major argument
// mapping, the part of Gemm that needs no GPU: the call it produces, run
// by a literal column-major gemm on the row-major storage, must give what
// the CPU gemm gives.
func TestRowMajorGemmMapping(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range gemmCases {
		for _, transA := range []bool{false, true} {
			for _, transB := range []bool{false, true} {
				p := newGemmProblem(rng, transA, transB, size[0], size[1], size[2])
				g := rowMajorGemm(transA, transB, p.m, p.n, p.k)
				if g.lda < 1 || g.ldb < 1 || g.ldc < 1 {
					t.Errorf("%v: leading dimension below 1 in %+v", p, g)
				}
				got := p.c.Clone().Data
				colMajorRef(g, p.alpha, p.b.Data, p.a.Data, p.beta, got)
				compare(t, p.String(), got, p.cpu(), tolerance(p.k))
			}
		}
	}
}

func TestGemmMatchesCPU(t *testing.T) {
	d := openDevice(t)
	rng := rand.New(rand.NewPCG(3, 4))
	upload := func(x *tensor.Dense) *Buffer {
		b, err := d.Alloc(len(x.Data))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.CopyFromHost(x.Data); err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, size := range gemmCases {
		for _, transA := range []bool{false, true} {
			for _, transB := range []bool{false, true} {
				p := newGemmProblem(rng, transA, transB, size[0], size[1], size[2])
				a, b, c := upload(p.a), upload(p.b), upload(p.c)
				if err := d.Gemm(transA, transB, p.m, p.n, p.k, p.alpha, a, b, p.beta, c); err != nil {
					t.Fatalf("%v: %v", p, err)
				}
				got := make([]tensor.Float, p.m*p.n)
				if err := c.CopyToHost(got); err != nil {
					t.Fatalf("%v: %v", p, err)
				}
				compare(t, p.String(), got, p.cpu(), tolerance(p.k))
				for _, x := range []*Buffer{a, b, c} {
					if err := x.Free(); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}
