//go:build amd64 && !f64

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// product is alpha·x·y + c for a logical m×k x and k×n y, with its float64
// value and, per element, the sum of the magnitudes of its terms, which
// bounds the rounding error a float32 computation can make.
type product struct {
	m, n, k   int
	alpha     float32
	x, y, c   []float32
	want, mag []float64
}

func newProduct(rng *rand.Rand, m, n, k int) *product {
	p := &product{m: m, n: n, k: k, alpha: -0.7,
		x: randFloats(rng, m*k), y: randFloats(rng, k*n), c: randFloats(rng, m*n),
		want: make([]float64, m*n), mag: make([]float64, m*n)}
	alpha := float64(p.alpha)
	for i := range m {
		row, mag := p.want[i*n:(i+1)*n], p.mag[i*n:(i+1)*n]
		for q := range k {
			xv := alpha * float64(p.x[i*k+q])
			for j, yv := range p.y[q*n : (q+1)*n] {
				row[j] += xv * float64(yv)
				mag[j] += math.Abs(xv * float64(yv))
			}
		}
		for j := range row {
			row[j] += float64(p.c[i*n+j])
			mag[j] += math.Abs(float64(p.c[i*n+j]))
		}
	}
	return p
}

func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// guard marks storage outside a view; gemm must leave it alone.
const guard = 12345

// view stores the r×cols matrix v (transposed if trans) at offset off of a
// buffer with rows ld > width apart, the way a caller passing part of a
// bigger matrix would, and returns the buffer from off on.
func view(v []float32, r, cols int, trans bool, off, pad int) (s []float32, ld int) {
	if trans {
		r, cols = cols, r
	}
	ld = cols + pad
	buf := make([]float32, off+r*ld)
	for i := range buf {
		buf[i] = guard
	}
	for i := range r {
		for j := range cols {
			if trans {
				buf[off+i*ld+j] = v[j*r+i]
			} else {
				buf[off+i*ld+j] = v[i*cols+j]
			}
		}
	}
	return buf[off : off+(r-1)*ld+cols], ld
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)

// check runs f on p for every transpose combination, with operands inside
// padded buffers, and compares c with p.want. It returns an error rather
// than failing a test so that other goroutines than the test's can call it.
func (p *product) check(name string, f gemmFunc) error {
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		a, lda := view(p.x, p.m, p.k, tr[0], 3, 5)
		b, ldb := view(p.y, p.k, p.n, tr[1], 1, 2)
		c, ldc := view(p.c, p.m, p.n, false, 7, 3)
		whole := c[:cap(c)]
		f(tr[0], tr[1], p.m, p.n, p.k, p.alpha, a, lda, b, ldb, c, ldc)
		for i := range p.m {
			for j := range p.n {
				got, want := float64(c[i*ldc+j]), p.want[i*p.n+j]
				if math.Abs(got-want) > 1e-6*math.Sqrt(float64(p.k))*p.mag[i*p.n+j]+1e-30 {
					return fmt.Errorf("%s m,n,k=%d,%d,%d trans=%v: c[%d,%d] = %g, want %g", name, p.m, p.n, p.k, tr, i, j, got, want)
				}
			}
			for j := p.n; j < ldc && i*ldc+j < len(whole); j++ {
				if whole[i*ldc+j] != guard {
					return fmt.Errorf("%s m,n,k=%d,%d,%d trans=%v: wrote outside c at row %d column %d", name, p.m, p.n, p.k, tr, i, j)
				}
			}
		}
	}
	return nil
}

// overwriting adapts a product that overwrites c to check's contract,
// which adds to c: it fills c with NaNs, which would spread if it were
// read, and adds the old values back after the product.
func overwriting(set gemmFunc) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
		old := make([]float32, m*n)
		for i := range m {
			for j := range n {
				old[i*n+j], c[i*ldc+j] = c[i*ldc+j], float32(math.NaN())
			}
		}
		set(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		for i := range m {
			for j := range n {
				c[i*ldc+j] += old[i*n+j]
			}
		}
	}
}

func TestKernelsMatchDefinition(t *testing.T) {
	if len(kernels) == 0 {
		t.Skip("no SIMD kernel for this CPU")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{
		{1, 1, 1}, {1, 40, 30}, {40, 1, 30}, {40, 30, 1}, {1, 1, 300},
		{5, 7, 3}, {6, 16, 8}, {11, 31, 2}, {12, 32, 9}, {13, 33, 17}, {7, 17, 5},
		{23, 63, 255}, {24, 64, 256}, {25, 65, 257}, {37, 97, 513},
		{200, 300, 300}, {128, 100, 3}, {530, 20, 40}, {517, 45, 260},
		{100, 3200, 40}, {64, 1030, 300}, {100, 40, 3200}, {512, 784, 1000},
	}
	// Three processors split odd parts over both dimensions, whatever the
	// machine has.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, s := range shapes {
		p := newProduct(rng, s[0], s[1], s[2])
		for _, kn := range kernels {
			name := fmt.Sprintf("%d×%d", kn.mr, kn.nr)
			serial := func(set bool) gemmFunc {
				return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
					kn.gemmSerial(set, transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
				}
			}
			for _, err := range []error{
				p.check(name+" serial", serial(false)), p.check(name, kn.gemm),
				p.check(name+" serial set", overwriting(serial(true))), p.check(name+" set", overwriting(kn.gemmSet)),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestGemmSplitsAcrossGoroutines(t *testing.T) {
	if len(kernels) == 0 {
		t.Skip("no SIMD kernel for this CPU")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	before := runtime.NumGoroutine()
	rng := rand.New(rand.NewPCG(5, 6))
	// Wide and tall products split different dimensions; several callers at
	// once share the job queue.
	ps := []*product{newProduct(rng, 64, 600, 200), newProduct(rng, 500, 40, 300), newProduct(rng, 128, 256, 128)}
	var wg sync.WaitGroup
	for _, p := range ps {
		for range 3 {
			wg.Go(func() {
				if err := p.check("concurrent", kernels[0].gemm); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	// The helpers exit right after signalling completion; give them a moment.
	for deadline := time.Now().Add(time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines left running after gemm returned (%d before)", n, before)
	}
}

func TestGemmDoesNotAllocate(t *testing.T) {
	if len(kernels) == 0 {
		t.Skip("no SIMD kernel for this CPU")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{13, 33, 17}, {200, 300, 300}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := randFloats(rng, m*k), randFloats(rng, k*n), make([]float32, m*n)
		if allocs := testing.AllocsPerRun(20, func() {
			kernels[0].gemm(false, true, m, n, k, 1, a, k, b, k, c, n)
		}); allocs != 0 {
			t.Errorf("%d×%d×%d: %v allocations per call", m, n, k, allocs)
		}
	}
}

func TestAVX512PackMatchesLoops(t *testing.T) {
	if !useAVX512Pack {
		t.Skip("no AVX-512 on this CPU")
	}
	defer func() { useAVX512Pack = true }()
	rng := rand.New(rand.NewPCG(9, 10))
	for _, rows := range []int{1, 5, 12, 15, 16, 17, 31, 32} {
		for _, k := range []int{1, 2, 15, 16, 17, 33, 256} {
			// transposeInto: rows rows of k values into k rows of rows
			// values; copyInto: k rows of rows values, unchanged.
			for _, tr := range []bool{true, false} {
				ld, ldd, srcRows, dstRows := k+3, rows+5, rows, k
				if !tr {
					ld, srcRows = rows+3, k
				}
				src := randFloats(rng, (srcRows-1)*ld+max(k, rows))
				want, got := make([]float32, dstRows*ldd), make([]float32, dstRows*ldd)
				for i := range want {
					want[i], got[i] = guard, guard
				}
				for _, fast := range []bool{false, true} {
					useAVX512Pack = fast
					dst := map[bool][]float32{false: want, true: got}[fast]
					if tr {
						transposeInto(dst, ldd, src, ld, rows, k)
					} else {
						copyInto(dst, ldd, src, ld, rows, k)
					}
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("transpose=%v rows=%d k=%d: dst[%d] = %g, want %g", tr, rows, k, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkGemmKernels times every kernel on the products of a
// convolution with 16, 32 and 128 channels at batch 16×32×32 (forward,
// input gradient, weight gradient), the evidence behind pick.
func BenchmarkGemmKernels(b *testing.B) {
	const positions = 16384
	for _, ch := range []int{16, 32, 128} {
		taps := 9 * ch
		for _, s := range []struct {
			name    string
			ta, tb  bool
			m, n, k int
		}{
			{"forward", false, false, positions, ch, taps},
			{"input-grad", false, true, positions, taps, ch},
			{"weight-grad", true, false, taps, ch, positions},
		} {
			ar, ac := s.m, s.k
			if s.ta {
				ar, ac = s.k, s.m
			}
			br, bc := s.k, s.n
			if s.tb {
				br, bc = s.n, s.k
			}
			a, y, c := make([]float32, ar*ac), make([]float32, br*bc), make([]float32, s.m*s.n)
			for i := range a {
				a[i] = float32(i%7) * 0.1
			}
			for i := range y {
				y[i] = float32(i%5) * 0.1
			}
			for _, kn := range kernels {
				b.Run(fmt.Sprintf("channels=%d/%s/%s", ch, s.name, kn.name), func(b *testing.B) {
					for range b.N {
						kn.gemmSet(s.ta, s.tb, s.m, s.n, s.k, 1, a, ac, y, bc, c, s.n)
					}
					b.ReportMetric(float64(2*s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
