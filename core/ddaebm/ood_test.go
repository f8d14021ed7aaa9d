package ddaebm

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/nn"
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
	scored, err := m.ScoreOOD(context.Background(), "digits", in, []data.NamedSet{extra}, data.PixelSpace, RunningStats, rand.New(rand.NewPCG(9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range scored {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "digits uniform gaussian constant inverted noise_0.01 noise_0.1 noise_0.5 blank generator_1step generator" {
		t.Fatalf("sets %s", got)
	}
	for _, s := range scored {
		if want := map[bool]int{true: 4, false: 7}[s.Name == "blank"]; len(s.Scores) != want {
			t.Errorf("%s: %d scores, want %d", s.Name, len(s.Scores), want)
		}
	}
	direct, err := m.EnergyAt(context.Background(), in, 0)
	if err != nil || !slices.Equal(direct, scored[0].Scores) {
		t.Errorf("in-distribution scores %v, E(x, 0) %v (%v)", scored[0].Scores, direct, err)
	}
	again, err := m.ScoreOOD(context.Background(), "digits", in, []data.NamedSet{extra}, data.LogitSpace, RunningStats, rand.New(rand.NewPCG(9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	twice, _ := m.ScoreOOD(context.Background(), "digits", in, []data.NamedSet{extra}, data.LogitSpace, RunningStats, rand.New(rand.NewPCG(9, 0)))
	for i := range again {
		if !slices.Equal(again[i].Scores, twice[i].Scores) {
			t.Errorf("%s: the same seed gave different scores", again[i].Name)
		}
	}
	if slices.Equal(again[0].Scores, direct) {
		t.Error("logit space scored the raw pixels")
	}
	for _, name := range []string{"uniform", "digits", OneStepSet, GeneratorSet} {
		if _, err := m.ScoreOOD(context.Background(), "digits", in, []data.NamedSet{{Name: name, X: in}}, data.PixelSpace, RunningStats, rng); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("extra set named %q: %v", name, err)
		}
	}
	if _, err := m.ScoreOOD(context.Background(), "digits", tensor.New(3, cfg.Dim+1), nil, data.PixelSpace, RunningStats, rng); err == nil {
		t.Error("images of the wrong width accepted")
	}
}

// One-step fakes follow their own images: with running statistics,
// changing one image changes its fake and no other; the same seed gives
// the same fakes; the running statistics stay as they were.
func TestOneStepFakes(t *testing.T) {
	cfg := tinyMNISTConfig()
	m := newModel(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(40, cfg.Dim)
	for i := range x.Data {
		x.Data[i] = tensor.Float(rng.NormFloat64())
	}
	var before []float64
	for _, b := range nn.Buffers(m.Generator) {
		before = append(before, b.Value.Float64s()...)
	}
	fakes := map[BNStats]*tensor.Dense{}
	for _, bn := range []BNStats{RunningStats, BatchStats} {
		f, err := m.OneStepFakes(context.Background(), x, rand.New(rand.NewPCG(3, 3)), bn)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := m.OneStepFakes(context.Background(), x, rand.New(rand.NewPCG(3, 3)), bn)
		if f.R != x.R || f.C != x.C || !slices.Equal(f.Data, again.Data) {
			t.Errorf("%s: %v, or the same seed gave different fakes", bn, f)
		}
		fakes[bn] = f
	}
	var after []float64
	for _, b := range nn.Buffers(m.Generator) {
		after = append(after, b.Value.Float64s()...)
	}
	if !slices.Equal(before, after) {
		t.Error("one-step fakes changed the running statistics")
	}
	moved := x.Clone()
	moved.Data[3] += 5 // row 0
	f, _ := m.OneStepFakes(context.Background(), moved, rand.New(rand.NewPCG(3, 3)), RunningStats)
	want := fakes[RunningStats]
	if slices.Equal(f.Row(0), want.Row(0)) || !slices.Equal(f.Data[cfg.Dim:], want.Data[cfg.Dim:]) {
		t.Error("moving image 0 did not change exactly fake 0")
	}
	if _, err := m.OneStepFakes(context.Background(), tensor.New(2, cfg.Dim+1), rng, RunningStats); err == nil {
		t.Error("images of the wrong width accepted")
	}
}
