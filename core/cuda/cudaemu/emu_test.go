package cudaemu

import (
	"errors"
	"math"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// The tests in this file run the kernels of testdata/emutest.cu, built
// into a library of their own, to check the emulation's intrinsics and
// failure modes directly.

// testLibs are the test kernels' libraries: with the default fiber
// switch, and with ucontext's (the fallback of platforms other than
// x86-64, forced here so that it is tested everywhere).
var testLibs = map[string]*struct {
	once  sync.Once
	flags []string
	lib   *library
	err   error
}{
	"default":  {},
	"ucontext": {flags: []string{"-DCUDAEMU_UCONTEXT"}},
}

func emuTestWith(t *testing.T, variant string) *Runtime {
	t.Helper()
	l := testLibs[variant]
	l.once.Do(func() {
		src, err := os.ReadFile("testdata/emutest.cu")
		if err != nil {
			l.err = err
			return
		}
		files := map[string][]byte{"emutest.cu": src}
		if l.err = addRuntime(files); l.err == nil {
			l.lib, l.err = loadLibrary(files, l.flags...)
		}
	})
	if errors.Is(l.err, ErrNoCompiler) {
		t.Skip(l.err)
	}
	if l.err != nil {
		t.Fatal(l.err)
	}
	r := &Runtime{lib: l.lib}
	t.Cleanup(func() { r.Close() })
	return r
}

func emuTest(t *testing.T) *Runtime { return emuTestWith(t, "default") }

// alloc allocates n values of type T filled with 0xff bytes.
func alloc[T any](t *testing.T, r *Runtime, n int) cuda.Ptr {
	t.Helper()
	var z T
	p, err := r.MemAlloc(n * int(unsafe.Sizeof(z)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func upload[T any](t *testing.T, r *Runtime, x []T) cuda.Ptr {
	t.Helper()
	p := alloc[T](t, r, len(x))
	if err := r.CopyHtoD(p, unsafe.Pointer(&x[0]), len(x)*int(unsafe.Sizeof(x[0]))); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(x)
	return p
}

func download[T any](t *testing.T, r *Runtime, p cuda.Ptr, n int) []T {
	t.Helper()
	x := make([]T, n)
	if err := r.CopyDtoH(unsafe.Pointer(&x[0]), p, n*int(unsafe.Sizeof(x[0]))); err != nil {
		t.Fatal(err)
	}
	return x
}

func launch(t *testing.T, r *Runtime, name string, grid, block [3]uint32, args ...any) {
	t.Helper()
	if err := r.Launch(name, grid, block, args...); err != nil {
		t.Fatal(err)
	}
}

func TestScanFindsKernels(t *testing.T) {
	r := emuTest(t)
	got := r.Kernels()
	for _, want := range []string{"intrinsics", "from_macro", "declared_first", "takes_struct"} {
		if !slices.Contains(got, want) {
			t.Errorf("kernel %s not found; have %v", want, got)
		}
	}
	if slices.Contains(got, "templated") {
		t.Errorf("the template kernel (C++ linkage) was registered: %v", got)
	}
	out := alloc[int32](t, r, 1)
	launch(t, r, "from_macro", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1}, out)
	launch(t, r, "declared_first", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1}, out)
	if v := download[int32](t, r, out, 1)[0]; v != 3 {
		t.Errorf("declared_first wrote %d, want 3", v)
	}
}

// TestIntrinsics checks the shuffles, votes and __syncthreads_count of
// blocks whose last warp is partial: lanes past the end of the block do
// not exist, and reading one gives the reader's own value.
func TestIntrinsics(t *testing.T) {
	for _, variant := range []string{"default", "ucontext"} {
		t.Run(variant, func(t *testing.T) { testIntrinsics(t, emuTestWith(t, variant)) })
	}
}

func testIntrinsics(t *testing.T, r *Runtime) {
	for _, bd := range []int{32, 80, 1024} {
		const grid = 2
		out := alloc[int32](t, r, 8*bd*grid)
		launch(t, r, "intrinsics", [3]uint32{grid, 1, 1}, [3]uint32{uint32(bd), 1, 1}, out)
		got := download[int32](t, r, out, 8*bd*grid)
		fives := 0
		for i := 0; i < bd; i += 5 {
			fives++
		}
		for b := range grid {
			for tid := range bd {
				lane, base := tid&31, tid&^31
				exists := func(s int) bool { return s >= 0 && s < bd }
				v := func(src int) int32 {
					if !exists(src) {
						return int32(10 * tid)
					}
					return int32(10 * src)
				}
				var want [8]int32
				want[0] = int32(10 * tid)
				if lane+3 < 32 {
					want[0] = v(tid + 3)
				}
				want[1] = int32(10 * tid)
				if lane >= 5 {
					want[1] = v(tid - 5)
				}
				want[2] = v(base + lane ^ 7)
				want[3] = v(base + 9)
				want[4] = int32(10 * tid)
				if lane&7+2 < 8 {
					want[4] = v(tid + 2)
				}
				sum := 0
				for l := range 32 {
					if exists(base + l) {
						if (base+l)%3 == 0 {
							want[5] |= int32(uint32(1) << l)
						}
						sum += base + l
					}
				}
				want[6] = int32(fives)
				want[7] = int32(sum)
				o := got[8*(b*bd+tid):][:8]
				if [8]int32(o) != want {
					t.Fatalf("block %d of %d threads, thread %d: got %v, want %v", b, bd, tid, o, want)
				}
			}
		}
		r.MemFree(out)
	}
}

func TestShuffledDoubleSum(t *testing.T) {
	r := emuTest(t)
	for _, bd := range []int{32, 96, 1024} {
		x := make([]float64, bd)
		want := 0.0
		for i := range x {
			x[i] = float64(i*i) + 0.25
			want += x[i]
		}
		out := alloc[float64](t, r, 3)
		launch(t, r, "shuffled_sum", [3]uint32{3, 1, 1}, [3]uint32{uint32(bd), 1, 1}, upload(t, r, x), out)
		for b, got := range download[float64](t, r, out, 3) {
			if got != want {
				t.Errorf("%d threads, block %d: sum %v, want %v", bd, b, got, want)
			}
		}
	}
}

// TestEarlyExit checks that threads that have returned do not count at a
// later __syncthreads, as on a GPU.
func TestEarlyExit(t *testing.T) {
	r := emuTest(t)
	out := alloc[int32](t, r, 2)
	for _, k := range []int{1, 31, 33, 500} {
		launch(t, r, "early_exit", [3]uint32{2, 1, 1}, [3]uint32{512, 1, 1}, k, out)
		for b, got := range download[int32](t, r, out, 2) {
			if want := int32(k * (k + 1) / 2); got != want {
				t.Errorf("k=%d, block %d: %d, want %d", k, b, got, want)
			}
		}
	}
}

func TestCoords(t *testing.T) {
	r := emuTest(t)
	grid, block := [3]uint32{3, 2, 2}, [3]uint32{4, 3, 5}
	nb, nt := 12, 60
	out := alloc[int32](t, r, 6*nb*nt)
	launch(t, r, "coords", grid, block, out)
	got := download[int32](t, r, out, 6*nb*nt)
	i := 0
	for bz := range 2 {
		for by := range 2 {
			for bx := range 3 {
				for tz := range 5 {
					for ty := range 3 {
						for tx := range 4 {
							want := [6]int32{int32(tx), int32(ty), int32(tz), int32(bx), int32(by), int32(bz)}
							if [6]int32(got[6*i:][:6]) != want {
								t.Fatalf("slot %d: %v, want %v", i, got[6*i:][:6], want)
							}
							i++
						}
					}
				}
			}
		}
	}
}

func TestParams(t *testing.T) {
	r := emuTest(t)
	out := alloc[float64](t, r, 7)
	launch(t, r, "params", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1},
		-7, uint32(4000000000), int64(-1)<<40, uint64(0xdeadbeef12345678), float32(1.5), 2.25, out)
	want := []float64{-7, 4000000000, -(1 << 40), 0xdeadbeef, 0x12345678, 1.5, 2.25}
	if got := download[float64](t, r, out, 7); !slices.Equal(got, want) {
		t.Errorf("params: %v, want %v", got, want)
	}
	// int32 and non-negative ints for unsigned.
	launch(t, r, "params", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1},
		int32(-3), 5, int64(1), uint64(1), float32(0), 0.0, out)
	if got := download[float64](t, r, out, 2); got[0] != -3 || got[1] != 5 {
		t.Errorf("params: %v, want [-3 5]", got)
	}
}

func TestAtomics(t *testing.T) {
	r := emuTest(t)
	count := upload(t, r, []int32{0, -1})
	fsum := upload(t, r, []float32{0})
	dsum := upload(t, r, []float64{0})
	big := upload(t, r, []uint64{0})
	launch(t, r, "atomics", [3]uint32{3, 1, 1}, [3]uint32{256, 1, 1}, count, fsum, dsum, big)
	if got := download[int32](t, r, count, 2); got[0] != 768 || got[1] != 767 {
		t.Errorf("count, max: %v, want [768 767]", got)
	}
	if got := download[float32](t, r, fsum, 1)[0]; got != 384 {
		t.Errorf("float sum %v, want 384", got)
	}
	if got := download[float64](t, r, dsum, 1)[0]; got != 3*255*256/2 {
		t.Errorf("double sum %v, want %v", got, 3*255*256/2)
	}
	if got := download[uint64](t, r, big, 1)[0]; got != 768<<33 {
		t.Errorf("64-bit sum %#x, want %#x", got, uint64(768)<<33)
	}
}

func TestMath(t *testing.T) {
	r := emuTest(t)
	f, d := alloc[float32](t, r, 8), alloc[float64](t, r, 4)
	x, y := float32(1.7), 1.3
	launch(t, r, "math_fns", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1}, x, y, f, d)
	gf, gd := download[float32](t, r, f, 8), download[float64](t, r, d, 4)
	near := func(name string, got, want, tol float64) {
		if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("rsqrtf", float64(gf[0]), 1/math.Sqrt(1.7), 1e-6)
	near("__expf", float64(gf[1]), math.Exp(1.7), 1e-6)
	near("erfinvf(erff)", float64(gf[2]), 1.7/4, 1e-6)
	near("normcdfinvf(normcdff)", float64(gf[3]), 1.7/4, 1e-5)
	near("__umulhi", float64(gf[4]), float64(uint32((uint64(0x89abcdef)*0x12345678)>>32)), 1e-7)
	near("__popc", float64(gf[5]), 8, 0)
	near("max(float, int)", float64(gf[6]), 2, 0)
	near("min(int, long long)", float64(gf[7]), 1, 0)
	near("rsqrt", gd[0], 1/math.Sqrt(1.3), 1e-15)
	near("erfinv(erf)", gd[1], 1.3/4, 1e-14)
	hi, _ := bits.Mul64(0xfedcba9876543210, 0x0123456789abcdef)
	near("__umul64hi", gd[2], float64(hi), 1e-15)
	near("bit casts", gd[3], 1.3, 0)
}

// TestLaunchFailures checks that what would hang or abort a process, a
// deadlock, a failed assert or __trap, is an error of the launch, and that
// launches work again afterwards.
func TestLaunchFailures(t *testing.T) {
	for _, variant := range []string{"default", "ucontext"} {
		t.Run(variant, func(t *testing.T) { testLaunchFailures(t, emuTestWith(t, variant)) })
	}
}

func testLaunchFailures(t *testing.T, r *Runtime) {
	out := alloc[int32](t, r, 64)
	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"deadlock", []any{out}, "deadlock in block (0,0,0)"},
		{"fails_assert", []any{5, out}, "assertion `n < 3' failed"},
		{"traps", []any{out}, "__trap() at emutest.cu"},
	} {
		err := r.Launch(c.name, [3]uint32{2, 1, 1}, [3]uint32{64, 1, 1}, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		launch(t, r, "early_exit", [3]uint32{1, 1, 1}, [3]uint32{64, 1, 1}, 64, out)
		if got := download[int32](t, r, out, 1)[0]; got != 64*65/2 {
			t.Errorf("after %s: early_exit gave %d", c.name, got)
		}
	}
	launch(t, r, "fails_assert", [3]uint32{1, 1, 1}, [3]uint32{64, 1, 1}, 2, out)
	err := r.Launch("takes_struct", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1}, 1, out)
	if err == nil || !strings.Contains(err.Error(), "cannot pass") {
		t.Errorf("takes_struct: %v, want an error about its parameter type", err)
	}
}

func TestBuildErrorShowsCompilerMessage(t *testing.T) {
	if _, err := findCompiler(); err != nil {
		t.Skip(err)
	}
	files := map[string][]byte{"broken.cu": []byte("extern \"C\" __global__ void broken(int* x) {\n    x[0] = undeclared_thing;\n}\n")}
	if err := addRuntime(files); err != nil {
		t.Fatal(err)
	}
	_, err := loadLibrary(files)
	if err == nil {
		t.Fatal("a source that does not compile built")
	}
	for _, want := range []string{"broken.cu:2", "undeclared_thing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not show %q", err, want)
		}
	}
}

func TestScanKernels(t *testing.T) {
	src := `
# 1 "x.cu"
extern "C" { CUDAEMU_KERNEL void a(int n, const char* s = "}{") { if (n) { } } }
extern "C" CUDAEMU_KERNEL void __attribute__((noinline)) b(int n) { }
extern "C" CUDAEMU_KERNEL void c(int n);
template <typename T> CUDAEMU_KERNEL void d(T x) { }
CUDAEMU_KERNEL void e(int n) { }
extern "C++" { CUDAEMU_KERNEL void f(int n) { } }
extern "C" { namespace q { } CUDAEMU_KERNEL void g(char c = '}') { } extern "C++" { CUDAEMU_KERNEL void h() {} } }
/* extern "C" CUDAEMU_KERNEL void i() {} */
extern "C" CUDAEMU_KERNEL void c(int n) { int k = 1'000; }
extern "C" CUDAEMU_KERNEL void j() { const char* s = R"x(})x"; }
extern "C" CUDAEMU_KERNEL void k() { }
`
	got := scanKernels(src)
	want := []string{"a", "b", "g", "c", "j", "k"}
	if !slices.Equal(got, want) {
		t.Errorf("scanKernels: %v, want %v", got, want)
	}
}
