package autograd

import "context"

// interruption is the panic that unwinds a computation whose context is
// done; Interruptible recovers it. Unwinding from the next operation is
// what lets a training step of minutes stop within a second without a
// check in every network's code.
type interruption struct{}

// Interruptible runs f with g armed by ctx: once ctx is done, the next
// operation f computes on g unwinds f, and Interruptible returns ctx's
// error. g's nodes and values are then those of an abandoned step (Reset
// forgets them); anything f changed outside g before that is the
// caller's to restore. Other panics pass through. A ctx that can never
// be done leaves f uninterruptible and costs nothing.
func (g *Graph) Interruptible(ctx context.Context, f func()) (err error) {
	defer g.StopOn(ctx, &err)()
	f()
	return nil
}

// StopOn is Interruptible for a whole function: it arms g by ctx and
// returns the function to defer, which disarms g and turns the unwinding
// into ctx's error in *err:
//
//	func (m *Model) Score(ctx context.Context, …) (out []float64, err error) {
//		defer m.graph.StopOn(ctx, &err)()
func (g *Graph) StopOn(ctx context.Context, err *error) func() {
	done := ctx.Done()
	if done == nil {
		return func() {}
	}
	prev := g.done
	g.done = done
	return func() {
		g.done = prev
		if r := recover(); r != nil {
			if _, ok := r.(interruption); !ok {
				panic(r)
			}
			*err = ctx.Err()
		}
	}
}

// Armed reports whether g is inside Interruptible with a context that
// can be done: whether the computation now running can be abandoned.
func (g *Graph) Armed() bool { return g.done != nil }

// checkInterrupt unwinds the running computation once g's context is
// done (alloc calls it for every node).
func (g *Graph) checkInterrupt() {
	select {
	case <-g.done:
		panic(interruption{})
	default:
	}
}
