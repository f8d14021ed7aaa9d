// Command mnistdir prints where data.MNISTDir finds the MNIST files. The
// tests build it because only a real binary records its dependencies' versions
// in its build information; a test binary does not.
package main

import (
	"fmt"
	"os"

	"github.com/ddaebm/ddaebm/core/data"
)

func main() {
	dir, err := data.MNISTDir("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(dir)
}
