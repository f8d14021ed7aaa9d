package main

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A maximum-likelihood step has no fakes, penalty or generator: its
// progress line shows the batch's negative log-likelihood instead.
func TestMLEProgressLine(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "mle")
	stderr, code := runCmd(bin, "mnist", "-mle", "-iters", "2", "-hidden", "8", "-batch", "32", "-samples", "4", "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	line := regexp.MustCompile(`(?m)^step 2/2 .*$`).FindString(stderr)
	nll := regexp.MustCompile(`batch NLL (\S+) nats`).FindStringSubmatch(line)
	if nll == nil || strings.Contains(line, "gap") || strings.Contains(line, "penalty") || strings.Contains(line, "loss_G") {
		t.Fatalf("final progress line %q: want the batch NLL and no adversarial losses", line)
	}
	if v, err := strconv.ParseFloat(nll[1], 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		t.Errorf("batch NLL %q in %q: want a finite, non-zero number", nll[1], line)
	}
}
