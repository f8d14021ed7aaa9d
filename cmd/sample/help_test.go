package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// captureOutput runs f with os.Stdout and os.Stderr sent to files and
// returns what each received.
func captureOutput(t *testing.T, f func()) (stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	savedOut, savedErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = out, errOut
	defer func() { os.Stdout, os.Stderr = savedOut, savedErr }()
	f()
	out.Close()
	errOut.Close()
	read := func(f *os.File) string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return read(out), read(errOut)
}

// Help that was asked for is the command's output (stdout); the usage
// after a bad flag is an error message (stderr).
func TestHelpGoesToStdout(t *testing.T) {
	for _, help := range []string{"-help", "-h"} {
		var err error
		stdout, stderr := captureOutput(t, func() { err = run([]string{help}) })
		if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(stdout, "Usage: sample") || !strings.Contains(stdout, "-checkpoint") || stderr != "" {
			t.Errorf("sample %s: %v, stdout %.60q, stderr %.60q; want the usage on stdout only", help, err, stdout, stderr)
		}
	}
	var err error
	stdout, stderr := captureOutput(t, func() { err = run([]string{"-bogus"}) })
	if err == nil || stdout != "" || !strings.Contains(stderr, "flag provided but not defined") || !strings.Contains(stderr, "Usage: sample") {
		t.Errorf("sample -bogus: %v, stdout %.60q, stderr %.60q; want the error and usage on stderr", err, stdout, stderr)
	}
}
