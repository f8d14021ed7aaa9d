//go:build ignore

// genopcodes writes kernels/opcodes.cuh (see package opcodes).
package main

import (
	"log"
	"os"

	"github.com/ddaebm/ddaebm/core/cuda/internal/opcodes"
)

func main() {
	if err := os.WriteFile("kernels/opcodes.cuh", opcodes.Header(), 0o644); err != nil {
		log.Fatal(err)
	}
}
