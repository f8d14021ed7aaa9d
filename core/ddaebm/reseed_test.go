package ddaebm

import (
	"math/rand/v2"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Reseeding fixes the training trajectory from that point on: two models
// with the same weights and the same new seed take identical steps, and a
// model that kept its old stream takes a different one.
func TestReseedRestartsTheRandomStream(t *testing.T) {
	cfg := smallConfig()
	a, b, c := newModel(t, cfg), newModel(t, cfg), newModel(t, cfg)
	for _, m := range []*Model{a, b, c} {
		if _, err := m.TrainStep(toyBatch(t, 1)); err != nil {
			t.Fatal(err)
		}
	}
	a.Reseed(42)
	b.Reseed(42)
	x := toyBatch(t, 2)
	sa, err := a.TrainStep(x)
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := b.TrainStep(x)
	sc, _ := c.TrainStep(x)
	if sa != sb {
		t.Errorf("same seed, different steps: %+v and %+v", sa, sb)
	}
	if sa == sc {
		t.Errorf("reseeded step equals the one on the old stream: %+v", sa)
	}
	if a.Step != 2 {
		t.Errorf("Reseed changed Step: %d, want 2", a.Step)
	}
}

func toyBatch(t *testing.T, seed uint64) *tensor.Dense {
	t.Helper()
	x, err := data.Toy("25gaussians", smallConfig().Batch, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return x
}
