package cuda_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/cuda/cudaemu"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The tests in this file check the tiled gemm kernel (kernels/gemm.cu),
// which GemmPtr runs where cuBLAS is missing or turned off: on the
// emulated device everywhere, through the launch GemmPtr makes
// (cuda.LaunchGemmKernel) and on other grids and leading dimensions; on a
// GPU when there is one, where GemmPtr's two paths are also compared.

// kgemm is one product: c (m×n) = alpha·op(a)·op(b) + beta·c. pad adds
// elements after each stored row of a, b and c, so that the leading
// dimensions exceed the row lengths; LaunchGemmKernel and GemmPtr take
// dense operands, pad zero.
type kgemm struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	pad            [3]int
}

func (g kgemm) String() string {
	s := fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d alpha=%v beta=%v", g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta)
	if g.pad != [3]int{} {
		s += fmt.Sprintf(" pad=%v", g.pad)
	}
	return s
}

// kgemmShapes (m, n, k) cover one element, sizes that are no multiple of
// the 64×64×16 tiles, exactly one tile, several tiles each way, vectors,
// empty products and k = 0.
var kgemmShapes = [][3]int{
	{1, 1, 1}, {17, 33, 5}, {64, 64, 64}, {130, 70, 40}, {65, 129, 17},
	{1, 200, 33}, {100, 1, 20}, {3, 0, 7}, {0, 5, 3}, {5, 4, 0}, {70, 3, 0},
}

// kgemmScalars are (alpha, beta): beta = 0 with c full of NaN, which must
// not be read, and scalars other than 1 and 0.
var kgemmScalars = [][2]float64{{1, 0}, {0.75, -1.25}, {-2, 1}}

// kgemmCases is every shape in every transpose layout with every pair of
// scalars.
func kgemmCases() []kgemm {
	var cases []kgemm
	for _, s := range kgemmShapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, ab := range kgemmScalars {
				cases = append(cases, kgemm{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1]})
			}
		}
	}
	return cases
}

// kgemmTol is the error allowed relative to an element's scale
// |alpha|·Σ_p |op(a)_ip·op(b)_pj| + |beta·c_ij|: it bounds the rounding
// error of any order of summation of up to about 128 terms, and grows
// beyond.
func kgemmTol(k int) float64 {
	base := map[bool]float64{false: 1e-5, true: 1e-12}[tensor.Is64]
	return base * max(1, float64(k+2)/128)
}

// gemmPtrs is where a product's operands lie on a Runtime.
type gemmPtrs struct {
	a, b, c       cuda.Ptr
	lda, ldb, ldc int
}

// Each operand on the Runtime is surrounded by kgemmGuard elements, and
// its rows are followed by the padding: all of it filled with NaN for a
// and b, so that a kernel which uses an element outside them produces
// NaN, and with kgemmSentinel for c, which must come back unchanged.
const (
	kgemmGuard    = 40
	kgemmSentinel = -7777.25
)

type kgemmOperand struct {
	rows, cols, ld int
	base           cuda.Ptr
	slots          int
}

func (o kgemmOperand) at(i, j int) int { return kgemmGuard + i*o.ld + j }

// runKGemm uploads random operands for g to rt, calls run, and checks c
// against tensor.Gemm and its guards and padding against writes.
func runKGemm(t *testing.T, rt cuda.Runtime, rng *rand.Rand, g kgemm, run func(p gemmPtrs) error) []tensor.Float {
	t.Helper()
	random := func(r, c int) *tensor.Dense {
		d := tensor.New(r, c)
		for i := range d.Data {
			d.Data[i] = tensor.Float(rng.Float64()*2 - 1)
		}
		return d
	}
	a, b, c := random(g.m, g.k), random(g.k, g.n), random(g.m, g.n)
	if g.transA {
		a = random(g.k, g.m)
	}
	if g.transB {
		b = random(g.n, g.k)
	}
	if g.beta == 0 {
		for i := range c.Data {
			c.Data[i] = tensor.Float(math.NaN())
		}
	}
	want := c.Clone()
	tensor.Gemm(g.transA, g.transB, tensor.Float(g.alpha), a, b, tensor.Float(g.beta), want)

	const elem = int(unsafe.Sizeof(tensor.Float(0)))
	nan := tensor.Float(math.NaN())
	var ops [3]kgemmOperand
	for i, x := range []*tensor.Dense{a, b, c} {
		o := kgemmOperand{rows: x.R, cols: x.C, ld: max(1, x.C+g.pad[i])}
		o.slots = 2*kgemmGuard + o.rows*o.ld
		host := make([]tensor.Float, o.slots)
		for j := range host {
			host[j] = nan
			if i == 2 {
				host[j] = kgemmSentinel
			}
		}
		for r := range o.rows {
			for col := range o.cols {
				host[o.at(r, col)] = x.Data[r*x.C+col]
			}
		}
		var err error
		if o.base, err = rt.MemAlloc(o.slots * elem); err != nil {
			t.Fatal(err)
		}
		defer func(p cuda.Ptr) {
			if err := rt.MemFree(p); err != nil {
				t.Error(err)
			}
		}(o.base)
		if err := rt.CopyHtoD(o.base, unsafe.Pointer(&host[0]), o.slots*elem); err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(host)
		ops[i] = o
	}
	first := func(o kgemmOperand) cuda.Ptr { return o.base + cuda.Ptr(kgemmGuard*elem) }
	if err := run(gemmPtrs{a: first(ops[0]), b: first(ops[1]), c: first(ops[2]), lda: ops[0].ld, ldb: ops[1].ld, ldc: ops[2].ld}); err != nil {
		t.Fatalf("%v: %v", g, err)
	}
	oc := ops[2]
	raw := make([]tensor.Float, oc.slots)
	if err := rt.CopyDtoH(unsafe.Pointer(&raw[0]), oc.base, oc.slots*elem); err != nil {
		t.Fatalf("%v: %v", g, err)
	}
	got := make([]tensor.Float, g.m*g.n)
	inside := make([]bool, oc.slots)
	for i := range g.m {
		for j := range g.n {
			got[i*g.n+j] = raw[oc.at(i, j)]
			inside[oc.at(i, j)] = true
		}
	}
	for s, v := range raw {
		if !inside[s] && v != kgemmSentinel {
			t.Errorf("%v: c's storage slot %d, outside the matrix, became %v", g, s-kgemmGuard, v)
			break
		}
	}

	// The scale of element (i, j) of the result bounds its rounding error.
	opA := func(i, p int) float64 {
		if g.transA {
			return float64(a.Data[p*a.C+i])
		}
		return float64(a.Data[i*a.C+p])
	}
	opB := func(p, j int) float64 {
		if g.transB {
			return float64(b.Data[j*b.C+p])
		}
		return float64(b.Data[p*b.C+j])
	}
	tol := kgemmTol(g.k)
	for i := range g.m {
		for j := range g.n {
			var scale float64
			for p := range g.k {
				scale += math.Abs(opA(i, p) * opB(p, j))
			}
			scale *= math.Abs(g.alpha)
			if g.beta != 0 {
				scale += math.Abs(g.beta * float64(c.Data[i*g.n+j]))
			}
			x, w := float64(got[i*g.n+j]), float64(want.Data[i*g.n+j])
			if d := math.Abs(x - w); !(d <= tol*scale) {
				t.Errorf("%v: c[%d,%d] = %v, want %v (scale %.3g)", g, i, j, x, w, scale)
				return got
			}
		}
	}
	return got
}

// launchKGemm launches the gemm kernel with its arguments in order,
// as a test would on any grid.
func launchKGemm(rt cuda.Runtime, grid, block [3]uint32, g kgemm, p gemmPtrs) error {
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	return rt.Launch(cuda.KernelName("gemm"), grid, block, flag(g.transA), flag(g.transB), g.m, g.n, g.k,
		tensor.Float(g.alpha), p.a, p.lda, p.b, p.ldb, tensor.Float(g.beta), p.c, p.ldc)
}

func viaLaunchGemmKernel(rt cuda.Runtime, g kgemm) func(p gemmPtrs) error {
	return func(p gemmPtrs) error {
		return cuda.LaunchGemmKernel(rt, g.transA, g.transB, g.m, g.n, g.k, g.alpha, p.a, p.b, g.beta, p.c)
	}
}

// TestGemmKernelOnEmulator runs the kernel as GemmPtr launches it, on the
// emulated device, for every case.
func TestGemmKernelOnEmulator(t *testing.T) {
	rt := cudaemu.ForTest(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, g := range kgemmCases() {
		runKGemm(t, rt, rng, g, viaLaunchGemmKernel(rt, g))
	}
	if n, bytes := rt.Allocations(); n != 0 {
		t.Errorf("%d allocations (%d bytes) left", n, bytes)
	}
}

// TestGemmKernelAnyGridAndStride launches the kernel itself on grids
// smaller and larger than the tiles of c (the blocks loop over the tiles),
// with leading dimensions past the row lengths.
func TestGemmKernelAnyGridAndStride(t *testing.T) {
	rt := cudaemu.ForTest(t)
	rng := rand.New(rand.NewPCG(13, 14))
	block := [3]uint32{16, 16, 1}
	for _, grid := range [][3]uint32{{1, 1, 1}, {2, 1, 1}, {1, 2, 1}, {5, 7, 1}} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, pad := range [][3]int{{}, {3, 1, 5}} {
				g := kgemm{transA: tr[0], transB: tr[1], m: 150, n: 131, k: 37, alpha: 1.5, beta: 0.5, pad: pad}
				runKGemm(t, rt, rng, g, func(p gemmPtrs) error { return launchKGemm(rt, grid, block, g, p) })
			}
		}
	}
}

// TestGemmKernelNeedsItsBlockShape checks that the kernel refuses blocks
// other than 16×16 rather than computing part of c.
func TestGemmKernelNeedsItsBlockShape(t *testing.T) {
	rt := cudaemu.ForTest(t)
	g := kgemm{m: 4, n: 4, k: 4, alpha: 1}
	for _, block := range [][3]uint32{{32, 8, 1}, {16, 8, 1}, {256, 1, 1}, {16, 16, 2}} {
		err := launchKGemm(rt, [3]uint32{1, 1, 1}, block, g, gemmPtrs{lda: 4, ldb: 4, ldc: 4})
		if err == nil {
			t.Errorf("block %v: launch succeeded; want the kernel's trap", block)
		}
	}
}

// TestGemmKernelInPTX checks that the embedded PTX defines both variants,
// which only a GPU would otherwise notice.
func TestGemmKernelInPTX(t *testing.T) {
	ptx, err := os.ReadFile("kernels/gemm.ptx")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gemm_f32", "gemm_f64"} {
		if !strings.Contains(string(ptx), ".entry "+name+"(") {
			t.Errorf("kernels/gemm.ptx has no entry %s", name)
		}
	}
}

// kgemmLarge are GPU-only sizes: many tiles, k past several slabs.
var kgemmLarge = []kgemm{
	{m: 300, n: 257, k: 513, alpha: 1, beta: 0},
	{transA: true, transB: true, m: 257, n: 300, k: 129, alpha: -0.5, beta: 2},
	{transA: true, m: 1024, n: 64, k: 1000, alpha: 1, beta: 1},
}

// TestGemmKernelOnGPU runs the kernel as GemmPtr launches it on device 0.
func TestGemmKernelOnGPU(t *testing.T) {
	d := cuda.OpenDevice(t)
	rng := rand.New(rand.NewPCG(15, 16))
	for _, g := range append(kgemmCases(), kgemmLarge...) {
		runKGemm(t, d, rng, g, viaLaunchGemmKernel(d, g))
	}
}

// TestGemmPtrWithoutCublasMatchesCublas runs GemmPtr on device 0 with
// DDAEBM_CUBLAS=off, which must take the tiled kernel, and then, where
// cuBLAS loads, on the same operands through cuBLAS: the two agree with
// the CPU and with each other.
func TestGemmPtrWithoutCublasMatchesCublas(t *testing.T) {
	d := cuda.OpenDevice(t)
	const env = "DDAEBM_CUBLAS"
	orig, had := os.LookupEnv(env)
	t.Setenv(env, "off")
	if path := d.GemmPath(); !strings.HasPrefix(path, "tiled kernel (cuBLAS: turned off by "+env+"=off") {
		t.Fatalf("with %s=off, GemmPath() = %q; want the tiled kernel, turned off", env, path)
	}
	cases := append(kgemmCases(), kgemmLarge...)
	viaGemmPtr := func(g kgemm) func(p gemmPtrs) error {
		return func(p gemmPtrs) error {
			return d.GemmPtr(g.transA, g.transB, g.m, g.n, g.k, g.alpha, p.a, p.b, g.beta, p.c)
		}
	}
	tiled := make([][]tensor.Float, len(cases))
	for i, g := range cases {
		tiled[i] = runKGemm(t, d, rand.New(rand.NewPCG(17, uint64(i))), g, viaGemmPtr(g))
	}
	if had {
		os.Setenv(env, orig)
	} else {
		os.Unsetenv(env)
	}
	path := d.GemmPath()
	t.Logf("GemmPath() = %q", path)
	if !strings.HasPrefix(path, "cublas ") {
		if !strings.HasPrefix(path, "tiled kernel (cuBLAS: ") {
			t.Fatalf("GemmPath() = %q; want cublas or tiled kernel", path)
		}
		t.Skip("cuBLAS is not available, so only the tiled kernel was checked")
	}
	for i, g := range cases {
		// The same seed gives the same operands.
		blas := runKGemm(t, d, rand.New(rand.NewPCG(17, uint64(i))), g, viaGemmPtr(g))
		tol := kgemmTol(g.k)
		for j := range blas {
			x, y := float64(tiled[i][j]), float64(blas[j])
			if !(math.Abs(x-y) <= 2*tol*(1+math.Abs(y))) {
				t.Errorf("%v: element %d: tiled kernel %v, cuBLAS %v", g, j, x, y)
				break
			}
		}
	}
}

// BenchmarkGemmPtrGPU times GemmPtr's two paths on square products on
// device 0.
func BenchmarkGemmPtrGPU(b *testing.B) {
	if err := cuda.Available(); err != nil {
		b.Skip(err)
	}
	d, err := cuda.Open(0)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	const elem = int(unsafe.Sizeof(tensor.Float(0)))
	for _, path := range []string{"cublas", "tiled"} {
		for _, n := range []int{512, 2048} {
			b.Run(fmt.Sprintf("%s/n=%d", path, n), func(b *testing.B) {
				if path == "tiled" {
					b.Setenv("DDAEBM_CUBLAS", "off")
				} else if !strings.HasPrefix(d.GemmPath(), "cublas ") {
					b.Skip(d.GemmPath())
				}
				var ptrs [3]cuda.Ptr
				for i := range ptrs {
					p, err := d.MemAlloc(n * n * elem)
					if err != nil {
						b.Fatal(err)
					}
					defer d.MemFree(p)
					host := make([]tensor.Float, n*n)
					for j := range host {
						host[j] = tensor.Float(j%7) - 3
					}
					if err := d.CopyHtoD(p, unsafe.Pointer(&host[0]), n*n*elem); err != nil {
						b.Fatal(err)
					}
					ptrs[i] = p
				}
				b.ResetTimer()
				for range b.N {
					if err := d.GemmPtr(false, false, n, n, n, 1, ptrs[0], ptrs[1], 0, ptrs[2]); err != nil {
						b.Fatal(err)
					}
				}
				if err := d.Synchronize(); err != nil { // GemmPtr only queues the work
					b.Fatal(err)
				}
				b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
