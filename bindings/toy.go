package bindings

import (
	"encoding/json"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/data"
)

// ToyNames lists the toy sets as a JSON list.
func ToyNames() (names string, err error) {
	defer guard(&err)
	b, err := json.Marshal(data.ToyNames())
	return string(b), err
}

// Toy draws n points of the named toy set into out (float32 n×2).
func Toy(name string, n int, seed uint64, outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	x, err := data.Toy(name, n, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return asValue(err)
	}
	return writeMatrix("toy points", x, outAddr, outBytes)
}

// ToyLimit is the half-width L of the square [−L, L]² that holds the
// named toy set.
func ToyLimit(name string) (lim float64, err error) {
	defer guard(&err)
	if lim = data.ToyLimit(name); lim == 0 {
		return 0, invalid("unknown toy set %q (known: %v)", name, data.ToyNames())
	}
	return lim, nil
}
