package ddaebm

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSamplingReportsProgressUpToTheTotal(t *testing.T) {
	m := newModel(t, smallConfig())
	n := 2*chunkRows + 5 // three chunks
	for _, bn := range []BNStats{RunningStats, BatchStats} {
		var done []int
		ctx := WithWorkProgress(context.Background(), func(d, total int) {
			if total != n {
				t.Errorf("%s: reported a total of %d, want %d", bn, total, n)
			}
			done = append(done, d)
		})
		if _, err := m.SampleWith(ctx, n, rand.New(rand.NewPCG(1, 1)), bn); err != nil {
			t.Fatal(err)
		}
		if len(done) != 3 || !slices.IsSorted(done) || done[0] <= 0 || done[len(done)-1] != n {
			t.Errorf("%s: reported %v done of %d, want three increasing counts ending at %d", bn, done, n, n)
		}
	}
}
