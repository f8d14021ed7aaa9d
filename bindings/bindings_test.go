package bindings

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// heapBuffers keeps the tests' buffers on the heap, where Go does not
// move memory (a stack can move when it grows), like numpy's buffers.
var heapBuffers []any

// onHeap returns a heap-allocated copy of vals.
func onHeap[T any](vals ...T) []T {
	s := append([]T(nil), vals...)
	heapBuffers = append(heapBuffers, s)
	return s
}

// addrOf is what numpy's ctypes.data is to the Python side: the address
// of a live buffer. The tests keep the slice alive across each call.
func addrOf[T any](s []T) (uintptr, int) {
	if len(s) == 0 {
		return 0, 0
	}
	return uintptr(unsafe.Pointer(&s[0])), len(s) * int(unsafe.Sizeof(s[0]))
}

func wantKind(t *testing.T, err error, kind, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", kind)
	}
	if !strings.HasPrefix(err.Error(), kind+": ") || !strings.Contains(err.Error(), fragment) {
		t.Fatalf("error %q, want prefix %q and %q in it", err, kind+": ", fragment)
	}
}

// A panic is the one failure gopy cannot survive: it would take the Python
// interpreter with it. Every exported function and method must name its
// error result err and defer guard(&err) before anything else.
func TestEveryExportedFunctionRecovers(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() || !exportedReceiver(fn) {
				continue
			}
			checked++
			where := fset.Position(fn.Pos()).String() + " " + fn.Name.Name
			res := fn.Type.Results
			if res == nil || len(res.List) == 0 {
				t.Errorf("%s returns no error", where)
				continue
			}
			last := res.List[len(res.List)-1]
			if id, ok := last.Type.(*ast.Ident); !ok || id.Name != "error" || len(last.Names) != 1 || last.Names[0].Name != "err" {
				t.Errorf("%s: last result must be `err error`", where)
				continue
			}
			if len(fn.Body.List) == 0 || !isDeferGuard(fn.Body.List[0]) {
				t.Errorf("%s: first statement must be `defer guard(&err)`", where)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d exported functions; is the test reading the package?", checked)
	}
}

// exportedReceiver reports whether gopy sees fn: a function, or a method
// of an exported type.
func exportedReceiver(fn *ast.FuncDecl) bool {
	if fn.Recv == nil {
		return true
	}
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

func isDeferGuard(s ast.Stmt) bool {
	d, ok := s.(*ast.DeferStmt)
	if !ok {
		return false
	}
	fn, ok := d.Call.Fun.(*ast.Ident)
	if !ok || fn.Name != "guard" || len(d.Call.Args) != 1 {
		return false
	}
	u, ok := d.Call.Args[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	id, ok := u.X.(*ast.Ident)
	return ok && id.Name == "err"
}

// core's metrics panic on a bandwidth ≤ 0 (a programming error there);
// through the bindings that panic must come back as a GoPanic error.
func TestCorePanicBecomesGoPanicError(t *testing.T) {
	x := onHeap[float64](0, 0, 1, 1)
	xa, xn := addrOf(x)
	_, err := MMD(nil, xa, xn, xa, xn, 2, 0)
	runtime.KeepAlive(x)
	wantKind(t, err, KindPanic, "MMD bandwidth 0")
	if !strings.Contains(err.Error(), "goroutine") {
		t.Errorf("the panic error should carry the Go stack: %q", err)
	}
	if _, err := MMD(nil, xa, xn, xa, xn, 2, 1); err != nil {
		t.Errorf("after a recovered panic, a good call fails: %v", err)
	}
	runtime.KeepAlive(x)
}

func TestErrorKinds(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadNpy(filepath.Join(dir, "missing.npy"))
	wantKind(t, err, KindNotFound, "missing.npy")

	_, err = LoadModel(filepath.Join(dir, "missing.npz"))
	wantKind(t, err, KindNotFound, "missing.npz")

	bad := filepath.Join(dir, "bad.npz")
	if err := os.WriteFile(bad, []byte("PK\x03\x04 not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadModel(bad)
	wantKind(t, err, KindError, "bad.npz")

	out := onHeap(make([]float32, 4)...)
	oa, on := addrOf(out)
	wantKind(t, Toy("nope", 2, 0, oa, on), KindValue, `unknown toy set "nope"`)
	wantKind(t, Toy("pinwheel", 3, 0, oa, on), KindValue, "buffer holds 4 values, want 6")
	runtime.KeepAlive(out)

	_, err = NewModel(`{"hiden": 3}`)
	wantKind(t, err, KindValue, "hiden")

	var empty Model
	wantKind(t, empty.Save(filepath.Join(dir, "x.npz")), KindValue, "empty Model")
}

func TestViewRejectsBadBuffers(t *testing.T) {
	buf := onHeap(make([]float64, 4)...)
	a, n := addrOf(buf)
	for _, c := range []struct {
		addr        uintptr
		nbytes, n   int
		wantMessage string
	}{
		{a, n - 1, -1, "not a whole number"},
		{a, n, 3, "holds 4 values, want 3"},
		{0, 8, 1, "null address"},
		{a + 4, 8, 1, "not aligned"},
		{a, -8, -1, "not a whole number"},
	} {
		_, err := view[float64]("buf", c.addr, c.nbytes, c.n)
		wantKind(t, err, KindValue, c.wantMessage)
	}
	v, err := view[float64]("buf", a, n, 4)
	if err != nil || len(v) != 4 || &v[0] != &buf[0] {
		t.Fatalf("view of a good buffer: %v, len %d", err, len(v))
	}
	runtime.KeepAlive(buf)
}

func TestArrayRoundTripAndNpy(t *testing.T) {
	src := onHeap[float32](1, 2, 3, 4, 5, 6)
	a, n := addrOf(src)
	arr, err := NewArray("float32", "[2, 3]", a, n)
	runtime.KeepAlive(src)
	if err != nil {
		t.Fatal(err)
	}
	src[0] = 99 // Go holds a copy
	info, err := arr.Info()
	if err != nil || info != `{"dtype":"float32","shape":[2,3]}` {
		t.Fatalf("Info = %q, %v", info, err)
	}
	path := filepath.Join(t.TempDir(), "a.npy")
	if err := arr.WriteNpy(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNpy(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := onHeap(make([]float32, 6)...)
	da, dn := addrOf(dst)
	if err := back.CopyTo(da, dn); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(dst)
	if dst[0] != 1 || dst[5] != 6 {
		t.Errorf("round trip gave %v", dst)
	}
	_, err = NewArray("float16", "[2, 3]", a, n)
	wantKind(t, err, KindValue, `dtype "float16"`)
	_, err = NewArray("float32", "[2, 4]", a, n)
	wantKind(t, err, KindValue, "want 8")
	_, err = NewArray("float32", "2x3", a, n)
	wantKind(t, err, KindValue, "JSON list")
	runtime.KeepAlive(src)
}

func TestModelTrainSampleEnergy(t *testing.T) {
	cfg, err := DefaultToyConfig("pinwheel")
	if err != nil {
		t.Fatal(err)
	}
	cfg = strings.Replace(strings.Replace(cfg, `"hidden": 300`, `"hidden": 8`, 1), `"batch": 200`, `"batch": 16`, 1)
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stats := onHeap(make([]float64, StatsPerStep*5)...)
	sa, sn := addrOf(stats)
	fit, err := m.BeginFit("test")
	if err != nil {
		t.Fatal(err)
	}
	defer fit.End()
	_, err = fit.Train(nil, 5, 10, sa, sn)
	wantKind(t, err, KindValue, "no training data")
	if err := fit.UseToy("pinwheel"); err != nil {
		t.Fatal(err)
	}
	done, err := fit.Train(nil, 5, 10, sa, sn)
	runtime.KeepAlive(stats)
	if err != nil || done != 5 {
		t.Fatalf("Train = %d, %v", done, err)
	}
	for i, v := range stats {
		if math.IsNaN(v) || (i%StatsPerStep == 0 && v == 0) {
			t.Fatalf("stats %v: loss_e missing or NaN", stats)
		}
	}
	// A tiny time budget still runs one iteration, and stops there.
	done, err = fit.Train(nil, 5, 1e-9, sa, sn)
	runtime.KeepAlive(stats)
	if err != nil || done != 1 {
		t.Fatalf("Train with no time = %d, %v; want 1 iteration", done, err)
	}
	info, _ := m.Info()
	if !strings.Contains(info, `"step":6`) {
		t.Errorf("Info = %s, want step 6", info)
	}

	x := onHeap[float32](0, 0, 1, 1, float32(math.NaN()), 0)
	e := onHeap(make([]float64, 3)...)
	xa, xn := addrOf(x)
	ea, en := addrOf(e)
	wantKind(t, m.Energy(nil, xa, xn, 3, 0, ea, en), KindValue, "row 2, column 0 is NaN")
	if err := m.Energy(nil, xa, 16, 2, 0, ea, 16); err != nil || e[0] == e[1] {
		t.Errorf("Energy = %v, %v", e, err)
	}
	wantKind(t, m.Energy(nil, xa, 16, 2, 9, ea, 16), KindValue, "step k = 9")
	runtime.KeepAlive(x)
	runtime.KeepAlive(e)

	samples := onHeap(make([]float32, 2*7)...)
	pa, pn := addrOf(samples)
	if err := m.Sample(nil, 7, 1, pa, pn); err != nil {
		t.Fatal(err)
	}
	again := onHeap(make([]float32, 2*7)...)
	ga, gn := addrOf(again)
	if err := m.Sample(nil, 7, 1, ga, gn); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(samples)
	runtime.KeepAlive(again)
	for i := range samples {
		if samples[i] != again[i] {
			t.Fatalf("same seed, different samples: %v and %v", samples, again)
		}
	}

	grid := onHeap(make([]float64, 10*10)...)
	ra, rn := addrOf(grid)
	logZ, err := m.DensityGrid(nil, 3, 10, ra, rn)
	runtime.KeepAlive(grid)
	if err != nil {
		t.Fatal(err)
	}
	mass := 0.0
	for _, lp := range grid {
		mass += math.Exp(lp) * 0.6 * 0.6
	}
	if math.Abs(mass-1) > 1e-9 || math.IsNaN(logZ) {
		t.Errorf("grid mass %v, log Z %v", mass, logZ)
	}
}

func TestPyJSON(t *testing.T) {
	got := pyJSON(map[string]any{"b": math.NaN(), "a": 1, "c": math.Inf(-1), "d": nil, "e": 0.5})
	want := `{"a": 1, "b": NaN, "c": -Infinity, "d": null, "e": 0.5}`
	if got != want {
		t.Errorf("pyJSON = %s, want %s", got, want)
	}
}

func TestKindErrorUnwraps(t *testing.T) {
	_, err := ReadNpy(filepath.Join(t.TempDir(), "missing.npy"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%v should wrap fs.ErrNotExist", err)
	}
}
