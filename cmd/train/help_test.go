package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// runCmdOut runs the command and returns both of its streams.
func runCmdOut(bin string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(bin, args...)
	var out, errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errBuf
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errBuf.String(), ee.ExitCode()
	}
	return out.String(), errBuf.String(), 0
}

// Help that was asked for is the command's output (stdout, exit 0); the
// usage after a bad flag is an error message (stderr, exit 2).
func TestHelpGoesToStdout(t *testing.T) {
	bin := binary(t)
	for _, args := range [][]string{{"-help"}, {"-h"}, {"mnist", "-help"}, {"mnist", "-h"}} {
		stdout, stderr, code := runCmdOut(bin, args...)
		if code != 0 || !strings.HasPrefix(stdout, "Usage: train") || !strings.Contains(stdout, "-out") || stderr != "" {
			t.Errorf("train %v: exit %d, stdout %.60q, stderr %.60q; want the usage on stdout only, exit 0", args, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"-bogus"}, {"mnist", "-bogus"}} {
		stdout, stderr, code := runCmdOut(bin, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "flag provided but not defined") || !strings.Contains(stderr, "Usage: train") {
			t.Errorf("train %v: exit %d, stdout %.60q, stderr %.60q; want the error and usage on stderr, exit 2", args, code, stdout, stderr)
		}
	}
}
