package cudaemu

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// csrc holds the emulation header and runtime compiled with the kernels.
// They live in a subdirectory because the go command refuses C++ files
// in a package directory when cgo is not used.
//
//go:embed csrc/emu.h csrc/emu.cc csrc/include/*.h
var csrc embed.FS

// buildVersion changes whenever the wrapper generation or the build steps
// change in a way that the hashed inputs do not show.
const buildVersion = "cudaemu-1"

// kernelMark is what __global__ becomes when emu.h preprocesses a source
// for scanKernels.
const kernelMark = "CUDAEMU_KERNEL"

// cxxFlags are the compiler flags of every translation unit. Visibility
// is hidden so that only the emu_* entry points are exported; strict
// aliasing is off because CUDA code often reinterprets pointers, which
// nvcc tolerates. No -flto: the runtime's entry points must stay opaque
// calls for the kernels (see emu.h).
var cxxFlags = func() []string {
	f := []string{"-std=c++17", "-O2", "-g0", "-fPIC", "-fvisibility=hidden", "-fno-strict-aliasing"}
	if runtime.GOOS == "darwin" {
		// macOS hides makecontext and swapcontext (the fibers' fallback
		// off x86-64 ELF) without _XOPEN_SOURCE.
		f = append(f, "-D_XOPEN_SOURCE=700", "-D_DARWIN_C_SOURCE")
	}
	return f
}()

// ErrNoCompiler is wrapped by the error of New when no C++ compiler is
// found; tests skip on it (see ForTest) and fail on any other error.
var ErrNoCompiler = errors.New("cudaemu: no C++ compiler")

// compiler is a C++ compiler's command line: the resolved program, then
// any arguments that came with it in $CXX.
type compiler []string

// findCompiler looks for $CXX (which may carry arguments, as in
// "ccache g++"), then g++, then clang++.
func findCompiler() (compiler, error) {
	if cxx := strings.Fields(os.Getenv("CXX")); len(cxx) > 0 {
		p, err := exec.LookPath(cxx[0])
		if err != nil {
			return nil, fmt.Errorf("%w: $CXX=%q: %v", ErrNoCompiler, os.Getenv("CXX"), err)
		}
		return append(compiler{p}, cxx[1:]...), nil
	}
	for _, c := range []string{"g++", "clang++"} {
		if p, err := exec.LookPath(c); err == nil {
			return compiler{p}, nil
		}
	}
	return nil, fmt.Errorf("%w: $CXX is unset and neither g++ nor clang++ is in $PATH", ErrNoCompiler)
}

// sources returns every file the library is built from, by path in the
// build directory: the kernel sources (as cuda.KernelSources has them)
// and emu.h and emu.cc.
func sources() (map[string][]byte, error) {
	files := make(map[string][]byte)
	err := fs.WalkDir(cuda.KernelSources(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(cuda.KernelSources(), p)
		files[p] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cudaemu: reading the kernel sources: %v", err)
	}
	if err := addRuntime(files); err != nil {
		return nil, err
	}
	return files, nil
}

// addRuntime adds the emulation's files to files: emu.h, emu.cc, and in
// include/ empty stand-ins for the headers nvcc includes implicitly, which
// some sources include explicitly.
func addRuntime(files map[string][]byte) error {
	return fs.WalkDir(csrc, "csrc", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f := strings.TrimPrefix(p, "csrc/")
		if _, dup := files[f]; dup {
			return fmt.Errorf("cudaemu: a kernel source is named %s, as a file of the emulation is", f)
		}
		b, err := csrc.ReadFile(p)
		files[f] = b
		return err
	})
}

// cacheKey hashes everything the built library depends on.
func cacheKey(cc compiler, flags []string, files map[string][]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s/%s\n%q\n%q\n", buildVersion, runtime.GOOS, runtime.GOARCH, []string(cc), flags)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%q %d\n", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// cacheDirs are where built libraries are kept, in order of preference:
// $DDAEBM_CUDAEMU_CACHE if set, else the user's cache directory, then a
// per-user directory in the system's temporary directory.
func cacheDirs() []string {
	if d := os.Getenv("DDAEBM_CUDAEMU_CACHE"); d != "" {
		return []string{d}
	}
	var dirs []string
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "ddaebm", "cudaemu"))
	}
	return append(dirs, filepath.Join(os.TempDir(), fmt.Sprintf("ddaebm-cudaemu-%d", os.Getuid())))
}

// libraryPath returns the path of the library built from files (see
// sources) with cxxFlags and then extra flags, building it on a cache
// miss. Processes building the same
// library at once each build in their own directory and rename the result
// into place, so none ever loads a partial file.
func libraryPath(files map[string][]byte, extra ...string) (string, error) {
	cc, err := findCompiler()
	if err != nil {
		return "", err
	}
	flags := append(append([]string{}, cxxFlags...), extra...)
	name := "emu-" + cacheKey(cc, flags, files) + ".so"
	var tried []string
	for _, dir := range cacheDirs() {
		so := filepath.Join(dir, name)
		if _, err := os.Stat(so); err == nil {
			now := time.Now()
			_ = os.Chtimes(so, now, now) // marks it as in use for prune
			return so, nil
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			tried = append(tried, err.Error())
			continue
		}
		work, err := os.MkdirTemp(dir, "build-")
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		defer os.RemoveAll(work)
		// Test binaries of several packages often start at once: the
		// first builds while the others wait for the lock, then find the
		// library. The lock only saves work; the rename is what makes
		// concurrent builds safe.
		unlock := lockFile(filepath.Join(dir, name+".lock"))
		defer unlock()
		if _, err := os.Stat(so); err == nil {
			return so, nil
		}
		built, err := build(cc, flags, files, work)
		if err != nil {
			return "", err
		}
		if err := os.Rename(built, so); err != nil {
			return "", fmt.Errorf("cudaemu: %v", err)
		}
		prune(dir, name)
		return so, nil
	}
	return "", fmt.Errorf("cudaemu: no writable cache directory for the built library: %s", strings.Join(tried, "; "))
}

// prune removes the libraries of other sources not used for a month, and
// build directories a day old (left by killed processes).
func prune(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.Name() == keep {
			continue
		}
		age := time.Since(info.ModTime())
		switch {
		case strings.HasPrefix(e.Name(), "emu-") && age > 30*24*time.Hour:
			os.Remove(filepath.Join(dir, e.Name()))
		case strings.HasPrefix(e.Name(), "build-") && e.IsDir() && age > 24*time.Hour:
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// build compiles the library in the directory work and returns its path
// there. Each .cu is preprocessed once to find its kernels (scanKernels),
// then compiled from a generated unit that includes it and registers them;
// the units compile in parallel.
func build(cc compiler, flags []string, files map[string][]byte, work string) (string, error) {
	var cus []string
	for p, b := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			return "", fmt.Errorf("cudaemu: %v", err)
		}
		if err := os.WriteFile(full, b, 0o600); err != nil {
			return "", fmt.Errorf("cudaemu: %v", err)
		}
		if path.Ext(p) == ".cu" {
			cus = append(cus, p)
		}
	}
	sort.Strings(cus)
	if len(cus) == 0 {
		return "", errors.New("cudaemu: no kernel sources (*.cu) in cuda.KernelSources")
	}
	emuH := filepath.Join(work, "emu.h")

	// Find each source's kernels.
	kernels := make([][]string, len(cus))
	err := parallel(len(cus), func(i int) error {
		out, err := run(cc, work, "-std=c++17", "-E", "-P", "-DCUDAEMU_SCAN", "-I", "include", "-include", emuH, "-x", "c++", cus[i])
		if err != nil {
			return err
		}
		kernels[i] = scanKernels(string(out))
		return nil
	})
	if err != nil {
		return "", err
	}
	seen := make(map[string]string)
	for i, ks := range kernels {
		for _, k := range ks {
			if other, dup := seen[k]; dup {
				return "", fmt.Errorf("cudaemu: kernel %s is defined in both %s and %s", k, other, cus[i])
			}
			seen[k] = cus[i]
		}
	}

	// Compile, one unit per source plus the runtime.
	units := []string{"emu.cc"}
	flags = append(flags[:len(flags):len(flags)], "-I", "include")
	for i, cu := range cus {
		var b bytes.Buffer
		fmt.Fprintf(&b, "// Generated by cudaemu: the kernels of %s, registered for emu_launch.\n#include %q\n", cu, path.Base(cu))
		for _, k := range kernels[i] {
			fmt.Fprintf(&b, "CUDAEMU_REGISTER(%s)\n", k)
		}
		unit := cu + ".emu.cc"
		if err := os.WriteFile(filepath.Join(work, filepath.FromSlash(unit)), b.Bytes(), 0o600); err != nil {
			return "", fmt.Errorf("cudaemu: %v", err)
		}
		units = append(units, unit)
	}
	objs := make([]string, len(units))
	err = parallel(len(units), func(i int) error {
		objs[i] = units[i] + ".o"
		args := append(append([]string{}, flags...), "-include", emuH, "-c", units[i], "-o", objs[i])
		_, err := run(cc, work, args...)
		return err
	})
	if err != nil {
		return "", err
	}
	so := filepath.Join(work, "emu.so")
	if _, err := run(cc, work, append([]string{"-shared", "-o", so}, objs...)...); err != nil {
		return "", err
	}
	return so, nil
}

// run runs the compiler in dir, returning its standard output, or an
// error with the command and everything the compiler printed.
func run(cc compiler, dir string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, cc[1:]...), args...)
	cmd := exec.Command(cc[0], argv...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return nil, fmt.Errorf("cudaemu: building the emulation library failed: %s %s: %v\n%s",
			filepath.Base(cc[0]), strings.Join(argv, " "), err, msg)
	}
	return stdout.Bytes(), nil
}

// parallel runs f(0) … f(n-1) on up to GOMAXPROCS goroutines and returns
// their errors joined, in index order.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lockFile takes an exclusive lock on the file path, creating it, and
// returns the function that releases it. Failing to lock costs only a
// duplicate build, so errors are ignored.
func lockFile(path string) (unlock func()) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return func() {}
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	return func() { f.Close() }
}
