package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWorkProgressShowsCountsAndETA(t *testing.T) {
	var out strings.Builder
	pr := &Progress{w: &out, every: time.Hour}
	start := time.Now().Add(-10 * time.Second)
	pr.work("sampling", start, 250, 1000)
	pr.work("sampling", start, 500, 1000) // within every of the last line: quiet
	pr.work("sampling", start, 1000, 1000)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("printed %q, want the first report and the last", out.String())
	}
	// A quarter done in 10 s (11 s on a stalled machine): 30 s (33 s) to go.
	if want := regexp.MustCompile(`^sampling 250/1000 \(25\.0%\)  elapsed 1[01]s  ETA 3[0-3]s$`); !want.MatchString(lines[0]) {
		t.Errorf("first line %q, want it to match %v", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "sampling 1000/1000 (100.0%)") {
		t.Errorf("last line %q, want the total", lines[1])
	}

	out.Reset()
	quick := &Progress{w: &out}
	quick.work("sampling", time.Now(), 1000, 1000)
	if out.Len() != 0 {
		t.Errorf("work done within %v printed %q", quietWork, out.String())
	}
}
