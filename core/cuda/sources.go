package cuda

import (
	"embed"
	"io/fs"
)

// kernelSources holds the CUDA C sources the embedded PTX is generated
// from.
//
//go:embed kernels/*.cu kernels/*.cuh
var kernelSources embed.FS

// KernelSources returns the CUDA C sources of the kernels (the .cu files
// and the .cuh headers they include) as a file system whose root is the
// kernels directory. Package cudaemu compiles them for the host, so that
// the code which launches the kernels can be tested without a GPU.
func KernelSources() fs.FS {
	sub, err := fs.Sub(kernelSources, "kernels")
	if err != nil {
		panic(err) // "kernels" is a valid path: fs.Sub cannot fail
	}
	return sub
}
