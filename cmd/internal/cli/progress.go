package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// Progress prints a one-line status with rate and ETA: rewritten in place
// on a terminal, a new line every few seconds otherwise (logs, CI).
type Progress struct {
	// MLE reports a maximum-likelihood run (Config.MLE), whose steps have
	// no generator, fakes or penalty: only the batch's negative
	// log-likelihood, StepStats.LossE.
	MLE bool

	w        io.Writer
	terminal bool
	last     time.Time
	every    time.Duration
}

// NewProgress writes to stderr.
func NewProgress() *Progress {
	terminal := false
	if fi, err := os.Stderr.Stat(); err == nil {
		terminal = fi.Mode()&os.ModeCharDevice != 0
	}
	every := 10 * time.Second
	if terminal {
		every = 200 * time.Millisecond
	}
	return &Progress{w: os.Stderr, terminal: terminal, every: every}
}

// Update prints p if enough time has passed (always on the last step and
// on evaluation steps).
func (pr *Progress) Update(p ddaebm.Progress) {
	final := p.Step == p.Total
	if !final && p.Metrics == nil && time.Since(pr.last) < pr.every {
		return
	}
	pr.last = time.Now()
	losses := fmt.Sprintf("loss_E %.4f  gap %.3f  penalty %.3f  loss_G %.3f",
		p.Stats.LossE, p.Stats.EnergyGap, p.Stats.Penalty, p.Stats.LossG)
	if pr.MLE {
		losses = fmt.Sprintf("batch NLL %.2f nats", p.Stats.LossE)
	}
	line := fmt.Sprintf("step %d/%d (%4.1f%%)  %.1f it/s  elapsed %s  ETA %s  %s",
		p.Step, p.Total, 100*float64(p.Step)/float64(p.Total), p.PerSecond,
		p.Elapsed.Round(time.Second), p.ETA.Round(time.Second), losses)
	if p.Metrics != nil {
		var parts []string
		for _, k := range []string{"grid_nll", "kl_grid", "mmd", "modes_covered", "hq_fraction"} {
			if v, ok := p.Metrics[k]; ok {
				parts = append(parts, fmt.Sprintf("%s %.4g", k, v))
			}
		}
		line += "\n  eval: " + strings.Join(parts, "  ")
	}
	if pr.terminal && p.Metrics == nil && !final {
		fmt.Fprintf(pr.w, "\r\033[K%s", line)
		return
	}
	if pr.terminal {
		fmt.Fprint(pr.w, "\r\033[K")
	}
	fmt.Fprintln(pr.w, line)
}

// WithWorkProgress returns ctx with a reporter that prints what's progress
// ("sampling 2560/26000 (9.8%)  elapsed 41s  ETA 6m16s") to stderr, as
// Progress prints training steps, for the core's long calls that report
// through ddaebm.WithWorkProgress. Work that ends within a few seconds
// prints nothing.
func WithWorkProgress(ctx context.Context, what string) context.Context {
	pr, start := NewProgress(), time.Now()
	return ddaebm.WithWorkProgress(ctx, func(done, total int) { pr.work(what, start, done, total) })
}

// work prints one line of WithWorkProgress.
func (pr *Progress) work(what string, start time.Time, done, total int) {
	final, elapsed := done == total, time.Since(start)
	if elapsed < quietWork || (!final && time.Since(pr.last) < pr.every) {
		return
	}
	pr.last = time.Now()
	eta := time.Duration(float64(elapsed) * float64(total-done) / float64(max(done, 1)))
	line := fmt.Sprintf("%s %d/%d (%4.1f%%)  elapsed %s  ETA %s", what, done, total,
		100*float64(done)/float64(total), elapsed.Round(time.Second), eta.Round(time.Second))
	if pr.terminal && !final {
		fmt.Fprintf(pr.w, "\r\033[K%s", line)
		return
	}
	if pr.terminal {
		fmt.Fprint(pr.w, "\r\033[K")
	}
	fmt.Fprintln(pr.w, line)
}

// quietWork is how long work runs before its progress is shown.
const quietWork = 2 * time.Second
