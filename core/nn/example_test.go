package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/nn"
)

// A network is any struct of layers: its parameters are found by walking
// it, in field order.
func ExampleParams() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := struct {
		hidden []*nn.Linear
		act    *nn.PReLU
		out    *nn.Linear
	}{
		hidden: []*nn.Linear{nn.NewLinear("h0", 2, 8, rng), nn.NewLinear("h1", 8, 8, rng)},
		act:    nn.NewPReLU("act"),
		out:    nn.NewLinear("out", 8, 1, rng),
	}
	for _, p := range nn.Params(&net) {
		fmt.Printf("%s %d×%d\n", p.Name, p.Value.R, p.Value.C)
	}
	// Output:
	// h0/W 2×8
	// h0/b 1×8
	// h1/W 8×8
	// h1/b 1×8
	// act/a 1×1
	// out/W 8×1
	// out/b 1×1
}
