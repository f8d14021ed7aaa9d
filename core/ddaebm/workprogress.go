package ddaebm

import "context"

// workProgressKey is the context key of WithWorkProgress's reporter.
type workProgressKey struct{}

// WithWorkProgress returns a context under which SampleWith reports, after
// each chunk of chains, how many of its rows are done: sampling tens of
// thousands of images for an evaluation takes minutes on a CPU, and the
// caller (a command's progress line, a notebook) should be able to show
// how far it is.
func WithWorkProgress(ctx context.Context, report func(done, total int)) context.Context {
	return context.WithValue(ctx, workProgressKey{}, report)
}

// reportWork passes done and total to ctx's reporter, if it has one.
func reportWork(ctx context.Context, done, total int) {
	if report, ok := ctx.Value(workProgressKey{}).(func(done, total int)); ok {
		report(done, total)
	}
}
