package ddaebm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// cancelAt is the CPU backend that cancels a context at its n-th
// elementwise operation: an interruption at a chosen point of a step.
type cancelAt struct {
	*autograd.CPU
	calls, n int
	cancel   context.CancelFunc
}

func (c *cancelAt) Binary(op autograd.BinaryOp, out, a, b *tensor.Dense) {
	if c.calls++; c.calls == c.n {
		c.cancel()
	}
	c.CPU.Binary(op, out, a, b)
}

// onCancelAt returns a model of cfg computing on a cancelAt backend.
func onCancelAt(t *testing.T, cfg Config) (*Model, *cancelAt) {
	m := newModel(t, cfg)
	be := &cancelAt{CPU: m.be.(*autograd.CPU)}
	m.be, m.graph = be, autograd.NewGraphOn(be)
	m.OptE.Backend, m.OptG.Backend = be, be
	return m, be
}

// trainingState is everything a checkpoint carries, on the host.
func trainingState(m *Model) map[string][]tensor.Float {
	s := map[string][]tensor.Float{}
	for _, nt := range m.state() {
		s[nt.name] = slices.Clone(m.hostCopy(nt.value).Data)
	}
	rng, _ := m.pcg.MarshalBinary()
	s["rng"] = []tensor.Float{tensor.Float(len(rng))}
	for i, b := range rng {
		s[fmt.Sprint("rng/", i)] = []tensor.Float{tensor.Float(b)}
	}
	s["adam/steps"] = []tensor.Float{tensor.Float(m.OptE.Step), tensor.Float(m.OptG.Step), tensor.Float(m.Step)}
	return s
}

func sameState(t *testing.T, what string, got, want map[string][]tensor.Float) {
	t.Helper()
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s: %s differs", what, name)
			return
		}
	}
}

// A training step stopped at any point, in the max step or the min step
// (after the energy's update), leaves the model exactly as it was; the
// step run afterwards is the step an uninterrupted model runs. A stop
// after the step's last operation lets the step complete.
func TestInterruptedStepLeavesNoTrace(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{{"toy", smallConfig()}, {"image", tinyImageConfig()}} {
		t.Run(tc.name, func(t *testing.T) {
			x := randomImages(rand.New(rand.NewPCG(5, 5)), tc.cfg.Batch, tc.cfg.Dim)
			ref, counter := onCancelAt(t, tc.cfg)
			before := trainingState(ref)
			want, err := ref.TrainStep(x)
			if err != nil {
				t.Fatal(err)
			}
			after := trainingState(ref)
			calls := counter.calls

			// stopAt stops a fresh model at operation at, checks what the
			// stop left and that the next step is the reference's, and
			// reports whether the stop interrupted the step.
			stopAt := func(at int) bool {
				m, be := onCancelAt(t, tc.cfg)
				ctx, cancel := context.WithCancel(context.Background())
				be.n, be.cancel = at, cancel
				what := fmt.Sprintf("a stop at operation %d of %d", at, calls)
				st, err := m.TrainStepContext(ctx, x)
				interrupted := errors.Is(err, context.Canceled)
				switch {
				case interrupted:
					sameState(t, what, trainingState(m), before)
					if st, err = m.TrainStep(x); err != nil {
						t.Fatal(err)
					}
				case err != nil:
					t.Fatalf("%s: %v", what, err)
				}
				if st != want {
					t.Errorf("%s: stats %+v, want %+v", what, st, want)
				}
				sameState(t, what+", then the step", trainingState(m), after)
				return interrupted
			}
			for _, at := range []int{1, calls / 3, calls / 2} {
				if !stopAt(at) {
					t.Errorf("a stop at operation %d of %d did not interrupt the step", at, calls)
				}
			}
			// The last operation a stop interrupts at (interrupting is
			// monotone in the point): late in the min step's backward pass,
			// after the energy's update.
			lo, hi := calls/2, calls // stopAt(lo) interrupts, stopAt(hi) does not
			if stopAt(hi) {
				t.Fatalf("a stop at the step's last operation (%d) interrupted it", calls)
			}
			for hi-lo > 1 {
				if mid := (lo + hi) / 2; stopAt(mid) {
					lo = mid
				} else {
					hi = mid
				}
			}
			if lo < calls*3/4 {
				t.Errorf("stops interrupt the step only up to operation %d of %d: want the min step interruptible", lo, calls)
			}
		})
	}
}

// Sampling and scoring stop within an operation and leave the model as
// it was (weight averages swapped back, running statistics restored).
func TestSamplingAndScoringStopMidChunk(t *testing.T) {
	cfg := tinyImageConfig()
	cfg.EnergyEMA = 0.9
	m, be := onCancelAt(t, cfg)
	before := trainingState(m)
	x := randomImages(rand.New(rand.NewPCG(6, 6)), 5, cfg.Dim)
	calls := func(f func(ctx context.Context) error) (int, error) {
		be.calls, be.n = 0, 0
		total := 0
		if err := f(context.Background()); err != nil {
			return 0, err
		}
		total = be.calls
		ctx, cancel := context.WithCancel(context.Background())
		be.calls, be.n, be.cancel = 0, total/2, cancel
		return total, f(ctx)
	}
	for name, f := range map[string]func(ctx context.Context) error{
		"SampleWith running statistics": func(ctx context.Context) error {
			_, err := m.SampleWith(ctx, 5, rand.New(rand.NewPCG(1, 2)), RunningStats)
			return err
		},
		"SampleWith batch statistics": func(ctx context.Context) error {
			_, err := m.SampleWith(ctx, 5, rand.New(rand.NewPCG(1, 2)), BatchStats)
			return err
		},
		"EnergyAt": func(ctx context.Context) error { _, err := m.EnergyAt(ctx, x, 1); return err },
		"OneStepFakes": func(ctx context.Context) error {
			_, err := m.OneStepFakes(ctx, x, rand.New(rand.NewPCG(1, 2)), RunningStats)
			return err
		},
	} {
		total, err := calls(f)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s stopped at operation %d of %d: error %v, want context.Canceled", name, total/2, total, err)
		}
		sameState(t, name+" stopped", trainingState(m), before)
		if m.graph.Armed() {
			t.Errorf("%s stopped: the graph is still armed", name)
		}
	}
}
