package cudaemu

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/cuda"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The tests in this file run the project's kernels (cuda.KernelSources)
// on the emulation and compare with values computed in Go.

type F = tensor.Float

const elem = int(unsafe.Sizeof(F(0)))

// tol is the relative tolerance of sums whose order of additions differs.
var tol = map[bool]float64{false: 1e-5, true: 1e-12}[tensor.Is64]

func values(n int, f func(i int) float64) []F {
	x := make([]F, n)
	for i := range x {
		x[i] = F(f(i))
	}
	return x
}

func wave(i int) float64 { return math.Sin(float64(i)*0.37) * float64(1+i%7) }

func k(op string) string { return cuda.KernelName(op) }

func g1(n uint32) [3]uint32 { return [3]uint32{n, 1, 1} }

func TestFill(t *testing.T) {
	r := ForTest(t)
	const n = 1000
	x := alloc[F](t, r, n+3)
	launch(t, r, k("fill"), g1(3), g1(128), n, F(2.5), x)
	got := download[F](t, r, x, n+3)
	for i, v := range got[:n] {
		if v != 2.5 {
			t.Fatalf("x[%d] = %v, want 2.5", i, v)
		}
	}
	for i, v := range got[n:] {
		if !math.IsNaN(float64(v)) {
			t.Errorf("x[%d] past n = %v: fill wrote past its end, or new memory is not NaN-filled", n+i, v)
		}
	}
}

func TestElementwise(t *testing.T) {
	r := ForTest(t)
	const n = 777
	a, b := values(n, wave), values(n, func(i int) float64 { return wave(3*i+1) + 0.5 })
	pa, pb := upload(t, r, a), upload(t, r, b)
	out := alloc[F](t, r, n)
	check := func(name string, want func(i int) F) {
		t.Helper()
		got := download[F](t, r, out, n)
		for i := range got {
			w := want(i)
			if got[i] != w && math.Abs(float64(got[i]-w)) > tol*math.Abs(float64(w)) {
				t.Fatalf("%s: out[%d] = %v, want %v", name, i, got[i], w)
			}
		}
	}
	launch(t, r, k("add"), g1(2), g1(64), n, pa, pb, out)
	check("add", func(i int) F { return a[i] + b[i] })
	launch(t, r, k("mul"), g1(5), g1(96), n, pa, pb, out)
	check("mul", func(i int) F { return a[i] * b[i] })
	launch(t, r, k("scale"), g1(1), g1(1024), n, F(-1.75), pa, out)
	check("scale", func(i int) F { return -1.75 * a[i] })
	if err := r.CopyDtoD(out, pb, n*elem); err != nil {
		t.Fatal(err)
	}
	launch(t, r, k("axpy"), g1(13), g1(32), n, F(0.5), pa, out)
	check("axpy", func(i int) F { return b[i] + 0.5*a[i] })
	// In place: out aliases a.
	launch(t, r, k("add"), g1(2), g1(64), n, out, pa, out)
	check("add in place", func(i int) F { return b[i] + 0.5*a[i] + a[i] })
}

// TestPReLU runs the forward kernel, then the fused backward one, whose
// per-block partial sums of ∂L/∂a rowsum adds up.
func TestPReLU(t *testing.T) {
	r := ForTest(t)
	const (
		n     = 5000
		grid  = 7
		slope = 0.25
	)
	x, dy := values(n, wave), values(n, func(i int) float64 { return math.Cos(float64(i)) })
	px, pdy, pa := upload(t, r, x), upload(t, r, dy), upload(t, r, []F{slope})
	y, dx, part, da := alloc[F](t, r, n), alloc[F](t, r, n), alloc[F](t, r, grid), alloc[F](t, r, 1)

	launch(t, r, k("prelu_forward"), g1(grid), g1(256), n, pa, px, y)
	for i, v := range download[F](t, r, y, n) {
		want := x[i]
		if x[i] <= 0 {
			want = slope * x[i]
		}
		if v != want {
			t.Fatalf("y[%d] = %v, want %v", i, v, want)
		}
	}

	launch(t, r, k("prelu_backward"), g1(grid), g1(256), n, pa, px, pdy, dx, part)
	launch(t, r, k("rowsum"), g1(1), g1(32), 1, grid, part, da)
	wantDA := 0.0
	for i, v := range download[F](t, r, dx, n) {
		want := dy[i]
		if x[i] <= 0 {
			want = slope * dy[i]
			wantDA += float64(dy[i]) * float64(x[i])
		}
		if v != want {
			t.Fatalf("dx[%d] = %v, want %v", i, v, want)
		}
	}
	if got := float64(download[F](t, r, da, 1)[0]); math.Abs(got-wantDA) > tol*math.Abs(wantDA)*10 {
		t.Errorf("∂L/∂a = %v, want %v", got, wantDA)
	}
}

// TestRowsum sums rows of odd sizes with a grid smaller than the number
// of rows, so blocks loop over rows and reuse their shared memory.
func TestRowsum(t *testing.T) {
	r := ForTest(t)
	const rows, cols = 37, 1001
	x := values(rows*cols, wave)
	out := alloc[F](t, r, rows)
	launch(t, r, k("rowsum"), g1(16), g1(128), rows, cols, upload(t, r, x), out)
	for i, got := range download[F](t, r, out, rows) {
		want, abs := 0.0, 0.0
		for _, v := range x[i*cols : (i+1)*cols] {
			want += float64(v)
			abs += math.Abs(float64(v))
		}
		if math.Abs(float64(got)-want) > tol*abs {
			t.Errorf("row %d: %v, want %v", i, got, want)
		}
	}
}

// TestRowsumBlockSizes sums integers (exact in any order) with blocks up
// to 1024 threads. The warp shuffles of the reduction read values other
// threads write, so an emulation that ran each thread to completion in
// turn, without interleaving them at the barriers, would get these wrong.
func TestRowsumBlockSizes(t *testing.T) {
	r := ForTest(t)
	const rows, cols = 5, 4099
	x := values(rows*cols, func(i int) float64 { return float64((i*7 + i/cols) % 1000) })
	px := upload(t, r, x)
	out := alloc[F](t, r, rows)
	for _, bd := range []uint32{32, 96, 512, 1024} {
		for _, grid := range []uint32{1, 2, 5, 8} {
			launch(t, r, k("rowsum"), g1(grid), g1(bd), rows, cols, px, out)
			for i, got := range download[F](t, r, out, rows) {
				want := F(0)
				for _, v := range x[i*cols : (i+1)*cols] {
					want += v
				}
				if got != want {
					t.Fatalf("block %d, grid %d, row %d: %v, want %v", bd, grid, i, got, want)
				}
			}
		}
	}
}

func TestGemmPtr(t *testing.T) {
	r := ForTest(t)
	const m, n, kk = 5, 7, 3
	for _, transA := range []bool{false, true} {
		for _, transB := range []bool{false, true} {
			a := values(m*kk, wave)
			b := values(kk*n, func(i int) float64 { return wave(i + 11) })
			c := values(m*n, func(i int) float64 { return float64(i) })
			pa, pb, pc := upload(t, r, a), upload(t, r, b), upload(t, r, c)
			ar, ac, br, bc := m, kk, kk, n
			if transA {
				ar, ac = kk, m
			}
			if transB {
				br, bc = n, kk
			}
			want := tensor.FromSlice(m, n, c)
			tensor.Gemm(transA, transB, 1.5, tensor.FromSlice(ar, ac, a), tensor.FromSlice(br, bc, b), 0.5, want)
			if err := r.GemmPtr(transA, transB, m, n, kk, 1.5, pa, pb, 0.5, pc); err != nil {
				t.Fatal(err)
			}
			got := download[F](t, r, pc, m*n)
			for i := range got {
				if got[i] != want.Data[i] {
					t.Fatalf("transA=%v transB=%v: c[%d] = %v, want %v", transA, transB, i, got[i], want.Data[i])
				}
			}
		}
	}
	// beta = 0 does not read c: fresh memory is NaN.
	pc := alloc[F](t, r, 4)
	one := upload(t, r, []F{1, 2})
	if err := r.GemmPtr(false, false, 2, 2, 1, 1, one, one, 0, pc); err != nil {
		t.Fatal(err)
	}
	if got := download[F](t, r, pc, 4); fmt.Sprint(got) != "[1 2 2 4]" {
		t.Errorf("beta = 0: %v, want [1 2 2 4]", got)
	}
	// k = 0 scales c by beta.
	if err := r.GemmPtr(false, false, 2, 2, 0, 1, 0, 0, 2, pc); err != nil {
		t.Fatal(err)
	}
	if got := download[F](t, r, pc, 4); fmt.Sprint(got) != "[2 4 4 8]" {
		t.Errorf("k = 0: %v, want [2 4 4 8]", got)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{r.GemmPtr(false, false, 1, 1, 1, 1, one, one, 0, one), "overlaps"},
		{r.GemmPtr(false, false, 2, 2, 2, 1, one, one, 0, pc), "overrun"},
		{r.GemmPtr(false, false, -1, 2, 2, 1, one, one, 0, pc), "out of range"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", c.err, c.want)
		}
	}
}

func TestLaunchErrors(t *testing.T) {
	r := ForTest(t)
	x := alloc[F](t, r, 10)
	freed := alloc[F](t, r, 10)
	if err := r.MemFree(freed); err != nil {
		t.Fatal(err)
	}
	fill, one := k("fill"), g1(1)
	wrongFloat := any(float64(1))
	if tensor.Is64 {
		wrongFloat = float32(1)
	}
	for _, c := range []struct {
		name        string
		grid, block [3]uint32
		args        []any
		want        string
	}{
		{"no_such_kernel", one, one, nil, "no such kernel"},
		{fill, one, one, []any{10, F(1)}, "2 arguments for a kernel of 3 parameters"},
		{fill, one, one, []any{10, F(1), x, x}, "4 arguments"},
		{fill, one, one, []any{10, wrongFloat, x}, "argument 1 is"},
		{fill, one, one, []any{int64(10), F(1), x}, "argument 0 is int64"},
		{fill, one, one, []any{1 << 40, F(1), x}, "does not fit a C int"},
		{fill, one, one, []any{10, F(1), uintptr(x)}, "argument 2 is uintptr"},
		{fill, one, one, []any{10, F(1), freed}, "in no live allocation"},
		{fill, [3]uint32{0, 1, 1}, one, []any{10, F(1), x}, "no zero dimension"},
		{fill, one, [3]uint32{1025, 1, 1}, []any{10, F(1), x}, "at most 1024 threads"},
		{fill, one, [3]uint32{32, 32, 2}, []any{10, F(1), x}, "at most 1024 threads"},
		{fill, one, [3]uint32{1, 1, 65}, []any{10, F(1), x}, "at most 1024 threads"},
		{fill, [3]uint32{1, 65536, 1}, one, []any{10, F(1), x}, "grid"},
	} {
		err := r.Launch(c.name, c.grid, c.block, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Launch(%s, %v, %v, %v): error %v, want one containing %q", c.name, c.grid, c.block, c.args, err, c.want)
		}
	}
	// Each block dimension at its limit works.
	launch(t, r, fill, one, [3]uint32{1024, 1, 1}, 10, F(1), x)
	launch(t, r, fill, one, [3]uint32{1, 1024, 1}, 10, F(1), x)
	launch(t, r, fill, one, [3]uint32{16, 1, 64}, 10, F(1), x)
}

func TestMemory(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Skip(err)
	}
	if p, err := r.MemAlloc(0); p != 0 || err != nil {
		t.Errorf("MemAlloc(0) = %#x, %v; want 0, nil", p, err)
	}
	if err := r.MemFree(0); err != nil {
		t.Errorf("MemFree(0): %v", err)
	}
	if _, err := r.MemAlloc(-1); err == nil {
		t.Error("MemAlloc(-1) did not fail")
	}
	a, b := alloc[byte](t, r, 100), alloc[byte](t, r, 300)
	if a%256 != 0 || b%256 != 0 {
		t.Errorf("addresses %#x, %#x not aligned to 256 bytes", a, b)
	}
	if n, bytes := r.Allocations(); n != 2 || bytes != 400 {
		t.Errorf("Allocations() = %d, %d; want 2, 400", n, bytes)
	}
	src := []byte("0123456789")
	host := unsafe.Pointer(&src[0])
	for _, c := range []struct {
		err  error
		want string
	}{
		{r.CopyHtoD(a+95, host, 10), "overrun"},
		{r.CopyHtoD(a+100, host, 1), "overrun"},
		{r.CopyDtoH(host, b+299, 2), "overrun"},
		{r.CopyDtoD(a, b, 101), "overrun"},
		{r.CopyDtoD(a, b+300, 1), "no live allocation"},
		{r.CopyHtoD(a, nil, 1), "address 0"},
		{r.CopyHtoD(a, host, -1), "-1 bytes"},
		{r.MemFree(a + 1), "1 bytes into the 100-byte allocation"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", c.err, c.want)
		}
	}
	if err := r.CopyHtoD(a+90, host, 10); err != nil {
		t.Fatal(err)
	}
	if err := r.CopyDtoD(b+290, a+90, 10); err != nil {
		t.Fatal(err)
	}
	if err := r.CopyHtoD(a, host, 0); err != nil {
		t.Errorf("empty copy: %v", err)
	}
	dst := make([]byte, 10)
	if err := r.CopyDtoH(unsafe.Pointer(&dst[0]), b+290, 10); err != nil || string(dst) != string(src) {
		t.Errorf("round trip: %q, %v", dst, err)
	}
	if err := r.MemFree(a); err != nil {
		t.Fatal(err)
	}
	if err := r.MemFree(a); err == nil || !strings.Contains(err.Error(), "no live allocation") {
		t.Errorf("double free: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Allocations(); n != 0 {
		t.Errorf("%d allocations after Close", n)
	}
	if _, err := r.MemAlloc(8); err != errClosed {
		t.Errorf("MemAlloc after Close: %v", err)
	}
	if err := r.Launch(k("fill"), g1(1), g1(1), 0, F(0), cuda.Ptr(0)); err != errClosed {
		t.Errorf("Launch after Close: %v", err)
	}
}

// TestConcurrentRuntimes launches from several goroutines, each with its
// own Runtime: launches are serialised inside.
func TestConcurrentRuntimes(t *testing.T) {
	ForTest(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := New()
			defer r.Close()
			const rows, cols = 3, 500
			x, _ := r.MemAlloc(rows * cols * elem)
			out, _ := r.MemAlloc(rows * elem)
			for it := range 20 {
				v := F(g + it)
				if err := r.Launch(k("fill"), g1(2), g1(64), rows*cols, v, x); err != nil {
					errs[g] = err
					return
				}
				if err := r.Launch(k("rowsum"), g1(2), g1(64), rows, cols, x, out); err != nil {
					errs[g] = err
					return
				}
				got := make([]F, rows)
				if err := r.CopyDtoH(unsafe.Pointer(&got[0]), out, rows*elem); err != nil {
					errs[g] = err
					return
				}
				for _, s := range got {
					if s != cols*v {
						errs[g] = fmt.Errorf("goroutine %d, iteration %d: row sum %v, want %v", g, it, s, cols*v)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
