package cmd_test

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Help that was asked for (-help, -h) is the command's output: stdout,
// exit 0. The usage after a bad flag is an error message: stderr, exit 2.
func TestHelpGoesToStdout(t *testing.T) {
	bin := build(t)
	run := func(args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(filepath.Join(bin, args[0]), args[1:]...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		var exit *exec.ExitError
		if err := cmd.Run(); errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	commands := map[string]string{ // command line → what its usage starts with
		"train": "Usage: train", "train mnist": "Usage: train mnist", "sample": "Usage: sample",
	}
	for _, sub := range []string{"energy", "density", "toy", "curve", "inspect", "classifier", "modes", "ood"} {
		commands["evaluate "+sub] = "evaluate " + sub
	}
	for line, usage := range commands {
		args := strings.Fields(line)
		for _, help := range []string{"-help", "-h"} {
			stdout, stderr, code := run(append(args, help)...)
			if code != 0 || !strings.Contains(stdout, usage) || stderr != "" {
				t.Errorf("%s %s: exit %d, stdout %.60q, stderr %.60q; want the usage on stdout only, exit 0", line, help, code, stdout, stderr)
			}
		}
		stdout, stderr, code := run(append(args, "-bogus")...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "flag provided but not defined") || !strings.Contains(stderr, usage) {
			t.Errorf("%s -bogus: exit %d, stdout %.60q, stderr %.60q; want the error and usage on stderr, exit 2", line, code, stdout, stderr)
		}
	}
	if stdout, stderr, code := run("evaluate", "-help"); code != 0 || !strings.HasPrefix(stdout, "Usage: evaluate") || stderr != "" {
		t.Errorf("evaluate -help: exit %d, stdout %.60q, stderr %.60q; want the usage on stdout only", code, stdout, stderr)
	}
}
