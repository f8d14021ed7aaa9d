package cuda

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// kernelOps lists the kernels the tests of the Device API launch
// (elementwise.cu, prelu.cu), without suffix; the backend's are Kernels().
var kernelOps = []string{"fill", "axpy", "add", "mul", "scale", "prelu_forward", "prelu_backward", "rowsum", "gemm"}

// TestPTXIsFresh recomputes the SHA-256 of every kernel source and of the
// generator, and fails when one differs from kernels/SHA256SUMS: the
// committed PTX would then not be what the sources say. It needs no nvcc,
// so it runs on every machine.
func TestPTXIsFresh(t *testing.T) {
	const regen = "run `go generate ./core/cuda` (needs nvcc) and commit the PTX with SHA256SUMS"
	f, err := os.Open("kernels/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: malformed line %q", sc.Text())
		}
		listed[name] = true
		data, err := os.ReadFile(filepath.Join("kernels", name))
		if err != nil {
			t.Errorf("%v: %s", err, regen)
			continue
		}
		if h := sha256.Sum256(data); hex.EncodeToString(h[:]) != sum {
			t.Errorf("kernels/%s changed since the PTX was generated: %s", name, regen)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	inputs, err := filepath.Glob("kernels/*.cu*")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range append(inputs, "kernels/gen.sh") {
		if !listed[filepath.Base(in)] {
			t.Errorf("%s is not in SHA256SUMS: %s", in, regen)
		}
		if strings.HasSuffix(in, ".cu") {
			if _, err := ptxFiles.ReadFile(strings.TrimSuffix(in, ".cu") + ".ptx"); err != nil {
				t.Errorf("%s has no embedded PTX: %s", in, regen)
			}
		}
	}
}

// TestPTXHasEveryKernel checks the embedded PTX by name, for both element
// types, so a kernel missing from it fails here rather than at a Launch
// on a GPU machine.
func TestPTXHasEveryKernel(t *testing.T) {
	var all strings.Builder
	files, err := fs.Glob(ptxFiles, "kernels/*.ptx")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := ptxFiles.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), ".target sm_80") {
			t.Errorf("%s does not target sm_80", f)
		}
		all.Write(data)
	}
	for _, op := range append(Kernels(), kernelOps...) {
		for _, suffix := range []string{"_f32", "_f64"} {
			if !strings.Contains(all.String(), ".entry "+op+suffix+"(") {
				t.Errorf("no kernel %s%s in the embedded PTX", op, suffix)
			}
		}
	}
}

// kernelRun holds a device and helpers for the kernel tests.
type kernelRun struct {
	t *testing.T
	d *Device
}

func (r kernelRun) upload(x []tensor.Float) *Buffer {
	r.t.Helper()
	b, err := r.d.Alloc(len(x))
	if err != nil {
		r.t.Fatal(err)
	}
	if err := b.CopyFromHost(x); err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r kernelRun) download(b *Buffer) []tensor.Float {
	r.t.Helper()
	x := make([]tensor.Float, b.Len())
	if err := b.CopyToHost(x); err != nil {
		r.t.Fatal(err)
	}
	return x
}

func (r kernelRun) launch(op string, grid, block uint32, args ...any) {
	r.t.Helper()
	if err := r.d.Launch(KernelName(op), [3]uint32{grid, 1, 1}, [3]uint32{block, 1, 1}, args...); err != nil {
		r.t.Fatal(err)
	}
}

// randomEighths draws multiples of 1/8 in [-2, 2], exact zeros (the PReLU
// boundary) among them. On such values every product and every partial sum
// in these tests is exact in float32, so the GPU must match the CPU bit
// for bit whatever its order of additions or use of FMA.
func randomEighths(rng *rand.Rand, n int) []tensor.Float {
	x := make([]tensor.Float, n)
	for i := range x {
		x[i] = tensor.Float(rng.IntN(33)-16) / 8
	}
	return x
}

// The launches use fewer threads than elements, so every grid-stride loop
// takes several turns, and n is prime so the last turn is partial.
const (
	kernelN     = 10007
	kernelGrid  = 13
	kernelBlock = 128
)

func TestElementwiseKernelsMatchCPU(t *testing.T) {
	r := kernelRun{t, openDevice(t)}
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := randomEighths(rng, kernelN), randomEighths(rng, kernelN)
	const alpha tensor.Float = -0.375
	want := func(f func(i int) tensor.Float) []tensor.Float {
		w := make([]tensor.Float, kernelN)
		for i := range w {
			w[i] = f(i)
		}
		return w
	}
	da, db := r.upload(a), r.upload(b)
	for _, tc := range []struct {
		op   string
		args func(out *Buffer) []any
		want []tensor.Float
	}{
		{"fill", func(out *Buffer) []any { return []any{kernelN, alpha, out} },
			want(func(int) tensor.Float { return alpha })},
		{"add", func(out *Buffer) []any { return []any{kernelN, da, db, out} },
			want(func(i int) tensor.Float { return a[i] + b[i] })},
		{"mul", func(out *Buffer) []any { return []any{kernelN, da, db, out} },
			want(func(i int) tensor.Float { return a[i] * b[i] })},
		{"scale", func(out *Buffer) []any { return []any{kernelN, alpha, da, out} },
			want(func(i int) tensor.Float { return alpha * a[i] })},
		{"axpy", func(out *Buffer) []any {
			if err := out.CopyFrom(db); err != nil {
				t.Fatal(err)
			}
			return []any{kernelN, alpha, da, out}
		}, want(func(i int) tensor.Float { return b[i] + alpha*a[i] })},
	} {
		out, err := r.d.Alloc(kernelN)
		if err != nil {
			t.Fatal(err)
		}
		r.launch(tc.op, kernelGrid, kernelBlock, tc.args(out)...)
		if err := r.d.Synchronize(); err != nil {
			t.Fatalf("%s: %v", tc.op, err)
		}
		compare(t, tc.op, r.download(out), tc.want, 0)
		if err := out.Free(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPReLUKernelsMatchCPU(t *testing.T) {
	r := kernelRun{t, openDevice(t)}
	rng := rand.New(rand.NewPCG(7, 8))
	x, dy := randomEighths(rng, kernelN), randomEighths(rng, kernelN)
	slope := []tensor.Float{0.25}

	// The CPU op the kernels replace: tensor.MaskedScale with the input as
	// its own mask, and ∂L/∂a = Σ_{x≤0} dy·x (autograd's PReLU backward).
	wantY := make([]tensor.Float, kernelN)
	tensor.MaskedScale(wantY, x, x, slope[0])
	wantDx := make([]tensor.Float, kernelN)
	tensor.MaskedScale(wantDx, dy, x, slope[0])
	var wantDa tensor.Float
	for i := range x {
		if !(x[i] > 0) {
			wantDa += dy[i] * x[i]
		}
	}

	dx, dX, dDy, dA := r.upload(make([]tensor.Float, kernelN)), r.upload(x), r.upload(dy), r.upload(slope)
	y := r.upload(make([]tensor.Float, kernelN))
	r.launch("prelu_forward", kernelGrid, kernelBlock, kernelN, dA, dX, y)
	compare(t, "prelu_forward", r.download(y), wantY, 0)

	part := r.upload(make([]tensor.Float, kernelGrid))
	r.launch("prelu_backward", kernelGrid, kernelBlock, kernelN, dA, dX, dDy, dx, part)
	compare(t, "prelu_backward dx", r.download(dx), wantDx, 0)
	da := r.upload([]tensor.Float{0})
	r.launch("rowsum", 1, 32, 1, kernelGrid, part, da)
	if got := r.download(da)[0]; got != wantDa {
		t.Errorf("prelu_backward da = %v, want %v", got, wantDa)
	}
}

func TestRowSumKernelMatchesCPU(t *testing.T) {
	r := kernelRun{t, openDevice(t)}
	rng := rand.New(rand.NewPCG(9, 10))
	// More rows than blocks (the grid-stride loop over rows) and columns
	// that are not a multiple of the block.
	for _, shape := range [][2]int{{37, 1000}, {5, 1}, {1, 4099}} {
		rows, cols := shape[0], shape[1]
		x := randomEighths(rng, rows*cols)
		want := make([]tensor.Float, rows)
		for i := range rows {
			for _, v := range x[i*cols : (i+1)*cols] {
				want[i] += v
			}
		}
		out := r.upload(make([]tensor.Float, rows))
		r.launch("rowsum", 8, 96, rows, cols, r.upload(x), out)
		compare(t, fmt.Sprintf("rowsum %d×%d", rows, cols), r.download(out), want, 0)
	}
}

// TestLaunchUnknownKernel checks the error for a name not in the PTX.
func TestLaunchUnknownKernel(t *testing.T) {
	d := openDevice(t)
	err := d.Launch("no_such_kernel", [3]uint32{1, 1, 1}, [3]uint32{1, 1, 1})
	if err == nil || !strings.Contains(err.Error(), `no kernel "no_such_kernel"`) {
		t.Errorf("Launch of an unknown kernel: %v", err)
	}
	if !slices.ContainsFunc(d.modules, func(m module) bool { return strings.HasSuffix(m.file, "elementwise.ptx") }) {
		t.Errorf("modules loaded: %v", d.modules)
	}
}
