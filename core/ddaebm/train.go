package ddaebm

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// Progress reports on a training run after each iteration.
type Progress struct {
	Step, Total int64
	Stats       StepStats
	Elapsed     time.Duration // since this call of Train began
	PerSecond   float64       // iterations per second in this call
	ETA         time.Duration
	Metrics     map[string]float64 // set on evaluation steps only
}

// TrainOptions control Train.
type TrainOptions struct {
	Iters int64 // train until Model.Step reaches Iters

	// CheckpointPath, when set, receives a checkpoint every
	// CheckpointEvery iterations (0: only at the end) and when training
	// stops early for any reason.
	CheckpointPath  string
	CheckpointEvery int64

	// Evaluate, when set, runs every EvalEvery iterations; its metrics
	// reach OnProgress.
	EvalEvery int64
	Evaluate  func(m *Model) (map[string]float64, error)

	// OnProgress is called after every iteration; returning false stops
	// training (with a checkpoint when CheckpointPath is set).
	OnProgress func(Progress) bool
}

// TrainResult summarises a Train call.
type TrainResult struct {
	Iters        int64   // iterations run in this call
	MsPerIterMed float64 // median wall time of one iteration
	Stopped      bool    // stopped early by the context or OnProgress
}

// Train runs iterations until Model.Step reaches opt.Iters, ctx is done,
// or OnProgress returns false. A non-finite loss stops training with an
// error; the checkpoint then holds the last good state.
func (m *Model) Train(ctx context.Context, src Source, opt TrainOptions) (TrainResult, error) {
	if src.Dim() != m.Config.Dim {
		return TrainResult{}, fmt.Errorf("data has dimension %d, the model %d", src.Dim(), m.Config.Dim)
	}
	if err := m.Config.checkStepMemory(m.Config.Batch); err != nil {
		return TrainResult{}, err
	}
	batch := tensor.New(m.Config.Batch, m.Config.Dim)
	start := time.Now()
	startStep := m.Step
	var times []float64
	res := TrainResult{}
	lastSaved := m.Step
	save := func() error {
		if opt.CheckpointPath == "" || lastSaved == m.Step {
			return nil
		}
		lastSaved = m.Step
		return m.Save(opt.CheckpointPath)
	}
	for m.Step < opt.Iters {
		if ctx.Err() != nil {
			res.Stopped = true
			break
		}
		t0 := time.Now()
		before := *m.pcg // the batch's draws are undone with the step's
		if err := src.Batch(batch, m.rng); err != nil {
			return res, err
		}
		stats, err := m.TrainStepContext(ctx, batch)
		if err != nil && ctx.Err() != nil { // stopped within the step, which left no trace
			*m.pcg = before
			res.Stopped = true
			break
		}
		if err != nil {
			if serr := save(); serr != nil {
				return res, fmt.Errorf("%w (and saving the checkpoint failed: %v)", err, serr)
			}
			return res, err
		}
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
		res.Iters++

		p := Progress{Step: m.Step, Total: opt.Iters, Stats: stats, Elapsed: time.Since(start)}
		p.PerSecond = float64(m.Step-startStep) / p.Elapsed.Seconds()
		if p.PerSecond > 0 {
			p.ETA = time.Duration(float64(opt.Iters-m.Step) / p.PerSecond * float64(time.Second))
		}
		if opt.Evaluate != nil && opt.EvalEvery > 0 && m.Step%opt.EvalEvery == 0 {
			if p.Metrics, err = opt.Evaluate(m); err != nil {
				if ctx.Err() != nil { // stopped during the evaluation: keep the step
					res.Stopped = true
					break
				}
				return res, fmt.Errorf("evaluation at step %d: %w", m.Step, err)
			}
		}
		if opt.CheckpointEvery > 0 && m.Step%opt.CheckpointEvery == 0 {
			if err := save(); err != nil {
				return res, err
			}
		}
		if opt.OnProgress != nil && !opt.OnProgress(p) {
			res.Stopped = true
			break
		}
	}
	res.MsPerIterMed = median(times)
	return res, save()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
