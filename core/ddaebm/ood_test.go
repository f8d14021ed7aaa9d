package ddaebm

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// ScoreOOD returns every set in the documented order with one score per
// image, the same table for the same seed, the in-distribution scores of
// E(x, 0) itself, and refuses two sets of one name.
func TestScoreOOD(t *testing.T) {
	cfg := tinyMNISTConfig()
	m := newModel(t, cfg)
	rng := rand.New(rand.NewPCG(3, 3))
	in := tensor.New(7, cfg.Dim)
	for i := range in.Data {
		in.Data[i] = tensor.Float(rng.Float64())
	}
	extra := data.NamedSet{Name: "blank", X: tensor.New(4, cfg.Dim)}
	scored, err := m.ScoreOOD("digits", in, []data.NamedSet{extra}, false, RunningStats, rand.New(rand.NewPCG(9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range scored {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "digits uniform gaussian constant inverted noise_0.01 noise_0.1 noise_0.5 blank generator" {
		t.Fatalf("sets %s", got)
	}
	for _, s := range scored {
		if want := map[bool]int{true: 4, false: 7}[s.Name == "blank"]; len(s.Scores) != want {
			t.Errorf("%s: %d scores, want %d", s.Name, len(s.Scores), want)
		}
	}
	direct, err := m.EnergyAt(in, 0)
	if err != nil || !slices.Equal(direct, scored[0].Scores) {
		t.Errorf("in-distribution scores %v, E(x, 0) %v (%v)", scored[0].Scores, direct, err)
	}
	again, err := m.ScoreOOD("digits", in, []data.NamedSet{extra}, true, RunningStats, rand.New(rand.NewPCG(9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	twice, _ := m.ScoreOOD("digits", in, []data.NamedSet{extra}, true, RunningStats, rand.New(rand.NewPCG(9, 0)))
	for i := range again {
		if !slices.Equal(again[i].Scores, twice[i].Scores) {
			t.Errorf("%s: the same seed gave different scores", again[i].Name)
		}
	}
	if slices.Equal(again[0].Scores, direct) {
		t.Error("logit space scored the raw pixels")
	}
	for _, name := range []string{"uniform", "digits", GeneratorSet} {
		if _, err := m.ScoreOOD("digits", in, []data.NamedSet{{Name: name, X: in}}, false, RunningStats, rng); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("extra set named %q: %v", name, err)
		}
	}
	if _, err := m.ScoreOOD("digits", tensor.New(3, cfg.Dim+1), nil, false, RunningStats, rng); err == nil {
		t.Error("images of the wrong width accepted")
	}
}
