package cuda

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// cublasStatus is cuBLAS's cublasStatus_t.
type cublasStatus int32

// cublasStatusNames maps cublasStatus_t values (fixed by the ABI) to their
// names. The table is ours rather than cublasGetStatusName's because
// cuBLAS 11 builds before 11.4 lack that function.
var cublasStatusNames = map[cublasStatus]string{
	1:  "CUBLAS_STATUS_NOT_INITIALIZED",
	3:  "CUBLAS_STATUS_ALLOC_FAILED",
	7:  "CUBLAS_STATUS_INVALID_VALUE",
	8:  "CUBLAS_STATUS_ARCH_MISMATCH",
	11: "CUBLAS_STATUS_MAPPING_ERROR",
	13: "CUBLAS_STATUS_EXECUTION_FAILED",
	14: "CUBLAS_STATUS_INTERNAL_ERROR",
	15: "CUBLAS_STATUS_NOT_SUPPORTED",
	16: "CUBLAS_STATUS_LICENSE_ERROR",
}

// cublasDefaultMath is CUBLAS_DEFAULT_MATH: full-precision float32, no
// TF32 tensor-core rounding, so GPU products agree with the CPU gemm.
const cublasDefaultMath = 0

// gemmFunc is the common shape of cublasSgemm_v2 and cublasDgemm_v2: alpha
// and beta are host pointers (the default pointer mode), the matrices are
// device pointers.
type gemmFunc func(handle uintptr, transa, transb, m, n, k int32,
	alpha unsafe.Pointer, a uint64, lda int32, b uint64, ldb int32,
	beta unsafe.Pointer, c uint64, ldc int32) cublasStatus

// cublasAPI holds the cuBLAS entry points and the file they came from.
type cublasAPI struct {
	path        string
	create      func(handle unsafe.Pointer) cublasStatus
	destroy     func(handle uintptr) cublasStatus
	sgemm       gemmFunc
	dgemm       gemmFunc
	setMathMode func(handle uintptr, mode int32) cublasStatus // nil where the library lacks it
}

func (b *cublasAPI) check(call string, s cublasStatus) error {
	if s == 0 {
		return nil
	}
	name, ok := cublasStatusNames[s]
	if !ok {
		name = fmt.Sprintf("cublasStatus_t %d", s)
	}
	return fmt.Errorf("cuda: %s (%s): %s", call, b.path, name)
}

// cublasEnv names the variable that overrides the library search.
const cublasEnv = "DDAEBM_CUBLAS"

// cublasSonames are tried newest first: each major version is its own
// soname and any of them serves the two gemm calls used here.
var cublasSonames = []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"}

var (
	cublasOnce sync.Once
	blasLib    *cublasAPI
	blasErr    error
)

// cublas loads cuBLAS on first use, apart from the driver: a machine can
// run kernels without it, and only Gemm needs it.
func cublas() (*cublasAPI, error) {
	cublasOnce.Do(func() { blasLib, blasErr = loadCublas(os.Getenv(cublasEnv), cublasCandidates()) })
	return blasLib, blasErr
}

// cublasCandidates lists where cuBLAS may be: the bare sonames (the dynamic
// loader's own search: LD_LIBRARY_PATH, ld.so.cache), then the CUDA
// toolkit's directories and the NVIDIA pip wheels' directories, which the
// loader does not search. Only cheap globs over the usual site-packages
// locations; nothing walks the file system.
func cublasCandidates() []string {
	var dirs []string
	if h := os.Getenv("CUDA_HOME"); h != "" {
		dirs = append(dirs, filepath.Join(h, "lib64"))
	}
	dirs = append(dirs, "/usr/local/cuda/lib64")
	var sitePatterns []string
	for _, prefix := range []string{"/usr/lib", "/usr/local/lib", os.Getenv("VIRTUAL_ENV"), os.Getenv("CONDA_PREFIX")} {
		if prefix != "" {
			sitePatterns = append(sitePatterns,
				filepath.Join(prefix, "lib/python3*/site-packages"), // VIRTUAL_ENV, CONDA_PREFIX
				filepath.Join(prefix, "python3*/site-packages"),     // /usr/lib, /usr/local/lib
				filepath.Join(prefix, "python3*/dist-packages"))     // Debian's pip
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		sitePatterns = append(sitePatterns, filepath.Join(home, ".local/lib/python3*/site-packages"))
	}
	for _, pat := range sitePatterns {
		sites, _ := filepath.Glob(pat) // the only error is a malformed pattern
		for _, site := range sites {
			// nvidia-cublas-cu11/cu12 wheels use nvidia/cublas/lib; the
			// CUDA 13 wheels share nvidia/cu13/lib.
			dirs = append(dirs, filepath.Join(site, "nvidia/cu13/lib"), filepath.Join(site, "nvidia/cublas/lib"))
		}
	}
	cands := append([]string(nil), cublasSonames...)
	for _, dir := range dirs {
		for _, so := range cublasSonames {
			cands = append(cands, filepath.Join(dir, so))
		}
	}
	return cands
}

// loadCublas opens override when it is set (and nothing else, so a wrong
// path is reported rather than silently bypassed), else the first
// candidate that loads.
func loadCublas(override string, candidates []string) (*cublasAPI, error) {
	if override != "" {
		lib, err := purego.Dlopen(override, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			return nil, fmt.Errorf("cuda: cannot load cuBLAS from %s=%s: %v", cublasEnv, override, err)
		}
		return bindCublas(lib, override)
	}
	var tried []string
	for _, c := range candidates {
		if strings.Contains(c, "/") {
			if _, err := os.Stat(c); err != nil {
				tried = append(tried, c)
				continue
			}
		}
		lib, err := purego.Dlopen(c, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err == nil {
			return bindCublas(lib, c)
		}
		if strings.Contains(err.Error(), c+": cannot open shared object file") {
			tried = append(tried, c)
		} else {
			// The file is there but does not load (a missing libcublasLt,
			// a wrong architecture): that reason is the useful part.
			tried = append(tried, fmt.Sprintf("%s (%v)", c, err))
		}
	}
	return nil, fmt.Errorf("cuda: cuBLAS not found: tried %s; set %s to its path",
		strings.Join(tried, ", "), cublasEnv)
}

func bindCublas(lib uintptr, path string) (*cublasAPI, error) {
	b := &cublasAPI{path: path}
	err := bindAll(lib, path, []symbol{
		{&b.create, "cublasCreate_v2"},
		{&b.destroy, "cublasDestroy_v2"},
		{&b.sgemm, "cublasSgemm_v2"},
		{&b.dgemm, "cublasDgemm_v2"},
	})
	if err != nil {
		return nil, err
	}
	if p, err := purego.Dlsym(lib, "cublasSetMathMode"); err == nil {
		purego.RegisterFunc(&b.setMathMode, p)
	}
	return b, nil
}
