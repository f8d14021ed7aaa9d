package cudaemu

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// library is the loaded emulation library: its entry points (emu.cc) and
// its kernels.
type library struct {
	path    string
	alloc   func(bytes uintptr) unsafe.Pointer
	free    func(p unsafe.Pointer)
	memmove func(dst, src unsafe.Pointer, n uintptr)
	launch  func(k int32, gx, gy, gz, bx, by, bz uint32, args unsafe.Pointer, err unsafe.Pointer, errlen int32) int32

	kernels map[string]kernel
	names   []string // sorted
}

// kernel is one launchable kernel: its index for emu_launch and its
// signature, one character per parameter (see emu.h's kind_of).
type kernel struct {
	index int32
	sig   string
}

var (
	loadOnce sync.Once
	lib      *library
	libErr   error

	// launchMu serialises launches: the library's scheduler is global.
	launchMu sync.Mutex
)

// load builds (or finds in the cache) and loads the library of the
// kernel sources, once per process.
func load() (*library, error) {
	loadOnce.Do(func() {
		files, err := sources()
		if err != nil {
			libErr = err
			return
		}
		lib, libErr = loadLibrary(files)
	})
	return lib, libErr
}

// loadLibrary builds (or finds in the cache) and loads the library of
// files (see sources), compiled with cxxFlags and extra.
func loadLibrary(files map[string][]byte, extra ...string) (*library, error) {
	so, err := libraryPath(files, extra...)
	if err != nil {
		return nil, err
	}
	h, err := purego.Dlopen(so, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("cudaemu: loading %s: %v", so, err)
	}
	l := &library{path: so, kernels: make(map[string]kernel)}
	var (
		count func() int32
		name  func(i int32) string
		sig   func(i int32) string
	)
	for _, s := range []struct {
		fptr any
		name string
	}{
		{&l.alloc, "emu_alloc"},
		{&l.free, "emu_free"},
		{&l.memmove, "emu_memmove"},
		{&l.launch, "emu_launch"},
		{&count, "emu_kernel_count"},
		{&name, "emu_kernel_name"},
		{&sig, "emu_kernel_sig"},
	} {
		p, err := purego.Dlsym(h, s.name)
		if err != nil {
			return nil, fmt.Errorf("cudaemu: %s lacks %s: %v", so, s.name, err)
		}
		purego.RegisterFunc(s.fptr, p)
	}
	for i := range count() {
		n := name(i)
		l.kernels[n] = kernel{index: i, sig: sig(i)}
		l.names = append(l.names, n)
	}
	sort.Strings(l.names)
	return l, nil
}
