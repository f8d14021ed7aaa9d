package cudaemu

import "testing"

// The benchmarks measure the emulation's cost: fiber switches at barriers
// dominate reductions, a block's start dominates element-wise kernels.

func benchLaunch(b *testing.B, name string, grid, block uint32, args func(r *Runtime) []any) {
	r, err := New()
	if err != nil {
		b.Skip(err)
	}
	defer r.Close()
	a := args(r)
	b.ResetTimer()
	for range b.N {
		if err := r.Launch(name, g1(grid), g1(block), a...); err != nil {
			b.Fatal(err)
		}
	}
}

func benchAlloc(r *Runtime, n int) any {
	p, err := r.MemAlloc(n * elem)
	if err != nil {
		panic(err)
	}
	return p
}

// BenchmarkFill1M is an element-wise kernel over 2²⁰ values, one per
// thread.
func BenchmarkFill1M(b *testing.B) {
	benchLaunch(b, k("fill"), 4096, 256, func(r *Runtime) []any { return []any{1 << 20, F(1), benchAlloc(r, 1<<20)} })
}

// BenchmarkRowsum256x1024 is a block-wide reduction of 256 rows of 1024
// values, each thread waiting at 12 barriers per row.
func BenchmarkRowsum256x1024(b *testing.B) {
	for _, block := range []uint32{128, 1024} {
		b.Run(map[uint32]string{128: "block128", 1024: "block1024"}[block], func(b *testing.B) {
			benchLaunch(b, k("rowsum"), 256, block, func(r *Runtime) []any {
				return []any{256, 1024, benchAlloc(r, 256*1024), benchAlloc(r, 256)}
			})
		})
	}
}
