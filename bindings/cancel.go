package bindings

import "context"

// Cancellation lets Python stop a long call from another thread. The
// package makes one per call, runs the call on a worker thread and, when
// Ctrl-C reaches the main thread, calls Cancel: the call returns at its
// next check (between chunks of a few thousand rows, well within a
// second) and Python raises KeyboardInterrupt. A signal handler of Go's
// own could not do this: a Python program (and a Jupyter kernel) must
// keep SIGINT for itself.
type Cancellation struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// NewCancellation returns a Cancellation not yet cancelled.
func NewCancellation() (c *Cancellation, err error) {
	defer guard(&err)
	ctx, cancel := context.WithCancel(context.Background())
	return &Cancellation{ctx, cancel}, nil
}

// Cancel stops the call that was given c; it may be called from any
// thread, any number of times.
func (c *Cancellation) Cancel() (err error) {
	defer guard(&err)
	if c != nil && c.cancel != nil {
		c.cancel()
	}
	return nil
}

// context returns the context of the call given c; a nil or zero
// Cancellation (gopy's default constructor) never cancels.
func (c *Cancellation) context() context.Context {
	if c == nil || c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}
