package cuda

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ebitengine/purego"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// requireGPUEnv, set to 1, turns the skip of a GPU test into a failure, so
// that a run on a GPU machine (scripts/gpu-check.sh) cannot pass by
// skipping everything.
const requireGPUEnv = "DDAEBM_REQUIRE_GPU"

// openDevice opens device 0, or skips the test with the reason no device
// can be used, so that a skipped run says why.
func openDevice(t *testing.T) *Device {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv(requireGPUEnv) == "1" {
			t.Fatalf("no usable CUDA device, and %s=1: %v", requireGPUEnv, err)
		}
		t.Skip("no usable CUDA device: " + err.Error())
	}
	d, err := Open(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

func TestAvailableExplainsWhyNot(t *testing.T) {
	err := Available()
	if err == nil {
		t.Skip("a CUDA device is available")
	}
	t.Log(err)
	msg := err.Error()
	if !strings.HasPrefix(msg, "cuda: ") || !(strings.Contains(msg, "libcuda.so.1") || strings.Contains(msg, "CUDA_ERROR_") || strings.Contains(msg, "no CUDA device")) {
		t.Errorf("Available() = %q: want an error naming libcuda.so.1 or a CUDA_ERROR_ code", msg)
	}
	if _, dlErr := purego.Dlopen(driverLib, purego.RTLD_NOW|purego.RTLD_LOCAL); dlErr != nil && !strings.Contains(msg, "cannot load libcuda.so.1") {
		t.Errorf("libcuda.so.1 does not load here (%v), yet Available() = %q does not say so", dlErr, msg)
	}
	// Every entry point must fail the same way, without a panic.
	if _, err2 := DeviceCount(); err2 == nil {
		t.Error("DeviceCount succeeded where Available failed")
	}
	if d, err2 := Open(0); err2 == nil {
		d.Close()
		t.Error("Open(0) succeeded where Available failed")
	}
}

func TestCublasOverrideNamesMissingPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "libcublas.so.12")
	_, err := loadCublas(path, []string{"libcublas.so.12"})
	if err == nil {
		t.Fatal("loading a missing file succeeded")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), cublasEnv) {
		t.Errorf("error %q should name %s and the path %s", err, cublasEnv, path)
	}
}

func TestCublasSearchListsWhatItTried(t *testing.T) {
	dir := t.TempDir()
	// A file that exists but is no library: its loader error must show.
	bogus := filepath.Join(dir, "libcublas.so.12")
	if err := os.WriteFile(bogus, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "absent", "libcublas.so.13")
	_, err := loadCublas("", []string{"libddaebm-no-such-cublas.so.13", missing, bogus})
	if err == nil {
		t.Fatal("search succeeded over candidates that cannot load")
	}
	msg := err.Error()
	for _, want := range []string{"cuBLAS not found", "libddaebm-no-such-cublas.so.13", missing, bogus + " (", cublasEnv} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestCublasCandidates(t *testing.T) {
	home := t.TempDir()
	venv := t.TempDir()
	site := filepath.Join(venv, "lib", "python3.12", "site-packages")
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUDA_HOME", home)
	t.Setenv("VIRTUAL_ENV", venv)
	c := cublasCandidates()
	if !slices.Equal(c[:len(cublasSonames)], cublasSonames) {
		t.Errorf("candidates start %v, want the bare sonames %v first", c[:len(cublasSonames)], cublasSonames)
	}
	for _, want := range []string{
		filepath.Join(home, "lib64", "libcublas.so.13"),
		"/usr/local/cuda/lib64/libcublas.so.11",
		filepath.Join(site, "nvidia/cublas/lib/libcublas.so.12"),
		filepath.Join(site, "nvidia/cu13/lib/libcublas.so.13"),
	} {
		if !slices.Contains(c, want) {
			t.Errorf("candidates lack %s", want)
		}
	}
	if i, j := slices.Index(c, filepath.Join(home, "lib64", "libcublas.so.13")), slices.Index(c, "/usr/local/cuda/lib64/libcublas.so.13"); i > j {
		t.Error("$CUDA_HOME/lib64 should come before /usr/local/cuda/lib64")
	}
}

// TestCublasBindsWhereInstalled resolves the real library's symbols where
// one is installed (cuBLAS loads without a GPU; only its calls need one).
func TestCublasBindsWhereInstalled(t *testing.T) {
	lib, err := loadCublas(os.Getenv(cublasEnv), cublasCandidates())
	if err != nil {
		t.Skip(err)
	}
	t.Logf("cuBLAS from %s", lib.path)
	if lib.create == nil || lib.destroy == nil || lib.sgemm == nil || lib.dgemm == nil {
		t.Error("a required cuBLAS function is unbound")
	}
	if lib.setMathMode == nil {
		t.Log("this cuBLAS has no cublasSetMathMode")
	}
}

func TestKernelName(t *testing.T) {
	want := "fill_f32"
	if tensor.Is64 {
		want = "fill_f64"
	}
	if got := KernelName("fill"); got != want {
		t.Errorf("KernelName(fill) = %s, want %s", got, want)
	}
}

// A closed Device reaches no driver call, so these validation paths run
// without a GPU.
func TestArgumentErrorsWithoutGPU(t *testing.T) {
	d := new(Device)
	one := [3]uint32{1, 1, 1}
	for _, tc := range []struct {
		name       string
		grid       [3]uint32
		args       []any
		wantSubstr string
	}{
		{"zero grid", [3]uint32{0, 1, 1}, nil, "no zero dimension"},
		{"bad type", one, []any{"x"}, "argument 0 has type string"},
		{"int overflow", one, []any{1, 1 << 40}, "argument 1: 1099511627776 does not fit a C int"},
		{"nil buffer", one, []any{(*Buffer)(nil)}, "nil buffer"},
		{"foreign buffer", one, []any{&Buffer{dev: new(Device), n: 1}}, "another device"},
		{"freed buffer", one, []any{&Buffer{dev: d, freed: true}}, "freed"},
		{"closed device", one, []any{int32(1), uint32(2), int64(3), uint64(4), float32(5), float64(6), &Buffer{dev: d, n: 1}}, "device is closed"},
	} {
		err := d.Launch("fill_f32", tc.grid, one, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.wantSubstr) {
			t.Errorf("%s: Launch error %v, want one containing %q", tc.name, err, tc.wantSubstr)
		}
	}

	buf := func(n int) *Buffer { return &Buffer{dev: d, n: n} }
	if err := d.Gemm(false, false, 2, 3, 4, 1, buf(8), buf(11), 0, buf(6)); err == nil || !strings.Contains(err.Error(), "b has 11 elements, want 12") {
		t.Errorf("Gemm with a short b: %v", err)
	}
	if err := d.Gemm(true, false, -1, 3, 4, 1, buf(0), buf(12), 0, buf(0)); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Gemm with m = -1: %v", err)
	}
	if err := buf(3).CopyFromHost(make([]tensor.Float, 4)); err == nil || !strings.Contains(err.Error(), "4 elements into a buffer of 3") {
		t.Errorf("CopyFromHost of the wrong length: %v", err)
	}
	if err := buf(3).Free(); err != nil {
		t.Errorf("Free on a closed device: %v, want nil (the context took the memory)", err)
	}
	if _, err := d.Alloc(4); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Alloc on a closed device: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close of a closed device: %v", err)
	}
}

func TestDeviceInfo(t *testing.T) {
	d := openDevice(t)
	t.Log(d.Info())
	if d.Name() == "" || !strings.Contains(d.Info(), "compute capability") {
		t.Errorf("Name %q, Info %q", d.Name(), d.Info())
	}
	n, err := DeviceCount()
	if err != nil || n < 1 {
		t.Errorf("DeviceCount() = %d, %v", n, err)
	}
	if _, err := Open(n); err == nil || !strings.Contains(err.Error(), "no device") {
		t.Errorf("Open(%d) = %v, want a no-such-device error", n, err)
	}
}

func TestBufferRoundTrip(t *testing.T) {
	d := openDevice(t)
	const n = 1001
	src := make([]tensor.Float, n)
	for i := range src {
		src[i] = tensor.Float(i)*0.5 - 7
	}
	a, err := d.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]tensor.Float, n)
	for _, step := range []struct {
		name string
		err  error
	}{
		{"CopyFromHost", a.CopyFromHost(src)},
		{"CopyFrom", b.CopyFrom(a)},
		{"CopyToHost", b.CopyToHost(got)},
	} {
		if step.err != nil {
			t.Fatalf("%s: %v", step.name, step.err)
		}
	}
	if !slices.Equal(got, src) {
		t.Error("values changed on the way through the device")
	}
	if err := b.Zero(); err != nil {
		t.Fatal(err)
	}
	if err := b.CopyToHost(got); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(got, func(v tensor.Float) bool { return v != 0 }) {
		t.Error("Zero left a nonzero value")
	}

	empty, err := d.Alloc(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.CopyFromHost(nil); err != nil {
		t.Errorf("copy into an empty buffer: %v", err)
	}
	if err := a.Free(); err != nil {
		t.Fatal(err)
	}
	if err := a.Free(); err != nil {
		t.Errorf("second Free: %v", err)
	}
	if err := a.CopyToHost(got[:0]); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Errorf("use after Free: %v", err)
	}
	if err := b.CopyFrom(a); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Errorf("copy from a freed buffer: %v", err)
	}
}

// TestConcurrentUse drives one Device from goroutines that the scheduler
// moves across OS threads: each call must find its context current.
func TestConcurrentUse(t *testing.T) {
	d := openDevice(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			src := make([]tensor.Float, 257)
			for i := range src {
				src[i] = tensor.Float(g*1000 + i)
			}
			got := make([]tensor.Float, len(src))
			for range 20 {
				b, err := d.Alloc(len(src))
				if err == nil {
					err = b.CopyFromHost(src)
				}
				if err == nil {
					err = b.CopyToHost(got)
				}
				if err == nil {
					err = b.Free()
				}
				if err == nil && !slices.Equal(got, src) {
					err = fmt.Errorf("goroutine %d: values changed on the way through the device", g)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMissingDriverIsAnError(t *testing.T) {
	_, err := loadDriver("libcuda.so.999")
	if err == nil || !strings.Contains(err.Error(), "cannot load libcuda.so.999 (no NVIDIA driver on this machine?): ") {
		t.Errorf("loading a missing driver: %v", err)
	}
}

// TestMissingSymbolIsAnError binds against the C library, which has none
// of the CUDA symbols: the result must be an error, not purego's panic.
func TestMissingSymbolIsAnError(t *testing.T) {
	lib, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		t.Skip(err)
	}
	var strlen func(string) uintptr
	var cuInit func(uint32) cuResult
	err = bindAll(lib, "libc.so.6", []symbol{{&strlen, "strlen"}, {&cuInit, "cuInit"}})
	if err == nil || !strings.Contains(err.Error(), "libc.so.6 has no symbol cuInit") {
		t.Errorf("binding a missing symbol: %v", err)
	}
	if strlen != nil {
		t.Error("bindAll registered a function although a symbol was missing")
	}
}
