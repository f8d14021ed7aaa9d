package bindings

import (
	"path/filepath"
	"time"

	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// StatsPerStep is the number of float64 values Train writes per
// iteration: loss_e, penalty, e_gap, loss_g, l2 (ddaebm.StepStats).
const StatsPerStep = 5

// Fit is one training call's hold on a Model, from BeginFit to End. Python
// trains in short slices (Train) so that Ctrl-C, progress and callbacks
// happen between them; the Fit makes those slices one call: the data they
// train on and the random stream belong to it, and no other Fit can begin
// on the model until it ends. Calls that only read the model (Sample,
// Energy, Save, …) are served between the slices and change nothing a Fit
// trains on.
type Fit struct {
	m *Model
	// what describes the call holding the model, for the busy error.
	what  string
	since time.Time
	src   ddaebm.Source
}

// BeginFit makes a Fit the owner of the model's training, or fails with a
// ModelBusyError naming the call that owns it and since when. what
// describes the calling training (its data, iterations and thread).
func (m *Model) BeginFit(what string) (f *Fit, err error) {
	defer guard(&err)
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if o := m.fit; o != nil {
		return nil, busy("the model is busy: %s has been training it since %s (%.1f s); wait for it to return, or train another Model",
			o.what, o.since.Format("15:04:05"), time.Since(o.since).Seconds())
	}
	m.fit = &Fit{m: m, what: what, since: time.Now()}
	return m.fit, nil
}

// hold locks the model for one of the Fit's calls, which only the Fit that
// owns the model may make; placed also moves the model to its device, as
// the calls that compute do.
func (f *Fit) hold(placed bool) (func(), error) {
	if f == nil || f.m == nil {
		return nil, invalid("empty Fit: begin one with Model.BeginFit")
	}
	lock := f.m.lock
	if placed {
		lock = f.m.lockPlaced
	}
	unlock, err := lock()
	if err != nil {
		return nil, err
	}
	if f.m.fit != f {
		unlock()
		return nil, invalid("this fit has ended: begin another with Model.BeginFit")
	}
	return unlock, nil
}

// End gives the model's training back; ending twice does nothing.
func (f *Fit) End() (err error) {
	defer guard(&err)
	if f == nil || f.m == nil {
		return invalid("empty Fit: begin one with Model.BeginFit")
	}
	unlock, err := f.m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if f.m.fit == f {
		f.m.fit = nil
	}
	return nil
}

// UseToy makes Train draw fresh batches of the named toy set, which the
// model's configuration then names as its data.
func (f *Fit) UseToy(name string) (err error) {
	defer guard(&err)
	unlock, err := f.hold(false)
	if err != nil {
		return err
	}
	defer unlock()
	src, err := ddaebm.NewToySource(name)
	if err != nil {
		return asValue(err)
	}
	cfg := &f.m.m.Config
	if src.Dim() != cfg.Dim {
		return invalid("toy set %q is 2-D, the model has dimension %d", name, cfg.Dim)
	}
	f.src = src
	cfg.Data, cfg.DataSHA256 = name, ""
	return nil
}

// UseDataset makes Train draw batches, with replacement, from the rows of
// ds. keepPath, when not empty, is where the data is kept for resuming
// (a checkpoint directory's data.npy): data.WriteDataset writes it there
// unless that file already holds it. The model's configuration then names
// the file the data lives in, absolute, and its SHA-256 (keepPath, else
// the file ds was read from, else nothing: an array held only in memory),
// so that its checkpoints say what they were trained on. On a fresh (step
// 0) model whose generator starts at the data
// (ddaebm.Model.GeneratorStartsAtData) the first data also starts it
// there, as train mnist does.
func (f *Fit) UseDataset(ds *Dataset, keepPath string) (err error) {
	defer guard(&err)
	if err := ds.check(); err != nil {
		return err
	}
	unlock, err := f.hold(false)
	if err != nil {
		return err
	}
	defer unlock()
	m, cfg := f.m, &f.m.m.Config
	if x := ds.d.X; x.C != cfg.Dim {
		return invalid("training data has %d values per example, the model has dimension %d", x.C, cfg.Dim)
	}
	path, sha, err := ds.keep(keepPath)
	if err != nil {
		return err
	}
	src, err := ddaebm.NewArraySource(ds.d.X)
	if err != nil {
		return asValue(err)
	}
	f.src = src
	cfg.Data, cfg.DataSHA256 = path, sha
	// As train mnist does: a fresh adversarial MNIST model starts its
	// generator at the data, or the energy runs away from the fakes.
	if m.m.GeneratorStartsAtData() && m.m.Step == 0 && !m.matched {
		if err := m.m.MatchGeneratorToSource(src); err != nil {
			return err
		}
		m.matched = true
	}
	return nil
}

// keep writes the data set to keepPath (unless it is "" or already holds
// it) and returns the file the data lives in, absolute, and its SHA-256:
// keepPath, else the file ds was read from, else nothing (an array held
// only in memory).
func (ds *Dataset) keep(keepPath string) (path, sha string, err error) {
	if keepPath == "" {
		return ds.path, ds.d.SHA256, nil
	}
	if path, err = filepath.Abs(keepPath); err != nil {
		return "", "", err
	}
	if sha, err = data.WriteDataset(path, ds.d); err != nil {
		return "", "", err
	}
	return path, sha, nil
}

// Reseed restarts the random stream of batches, steps and noise.
func (f *Fit) Reseed(seed uint64) (err error) {
	defer guard(&err)
	unlock, err := f.hold(false)
	if err != nil {
		return err
	}
	defer unlock()
	f.m.m.Reseed(seed)
	return nil
}

// Train runs up to steps iterations on the data set by UseToy or
// UseDataset, returning early once seconds have passed (after at least one
// iteration), and returns how many it ran. Short calls are how Python
// stays responsive: progress and callbacks happen between them. c stops
// the call within one operation of the step running then, which it leaves
// without a trace (see Cancellation): an image model's iteration can take
// seconds.
// The losses of iteration i of this call go to stats[5i : 5i+5] (float64;
// see StatsPerStep), which must hold 5·steps values. A non-finite loss is
// an error, with the model left at the last good step.
func (f *Fit) Train(c *Cancellation, steps int, seconds float64, statsAddr uintptr, statsBytes int) (done int, err error) {
	defer guard(&err)
	unlock, err := f.hold(true)
	if err != nil {
		return 0, err
	}
	defer unlock()
	if steps < 1 || !(seconds > 0) {
		return 0, invalid("train: steps must be ≥ 1 and seconds > 0, got %d and %v", steps, seconds)
	}
	if f.src == nil {
		return 0, invalid("train: no training data (set a toy set or a data set first)")
	}
	stats, err := view[float64]("stats", statsAddr, statsBytes, StatsPerStep*steps)
	if err != nil {
		return 0, err
	}
	m := f.m.m
	start, t0 := m.Step, time.Now()
	budget := time.Duration(seconds * float64(time.Second))
	_, err = m.Train(c.context(), f.src, ddaebm.TrainOptions{
		Iters: start + int64(steps),
		OnProgress: func(p ddaebm.Progress) bool {
			s := p.Stats
			copy(stats[StatsPerStep*(p.Step-start-1):], []float64{s.LossE, s.Penalty, s.EnergyGap, s.LossG, s.L2})
			return time.Since(t0) < budget
		},
	})
	return int(m.Step - start), err
}
