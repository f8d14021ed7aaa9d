package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/ddaebm/ddaebm/core/memlimit"
)

// Exit codes shared by the commands.
const (
	ExitOK      = 0
	ExitFailure = 1 // the work itself failed (bad data, diverged training, I/O)
	ExitUsage   = 2 // bad flags or arguments
)

// UsageError marks an error in how the command was called.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// ConfigError is the error of a configuration built from flags: a
// UsageError, except for sizes too large for this machine's memory, which
// are well-formed requests the machine cannot honour (exit status 1, as
// -device cuda without a GPU).
func ConfigError(err error) error {
	var tooLarge *memlimit.TooLargeError
	if errors.As(err, &tooLarge) {
		return err
	}
	return Usagef("%v", err)
}

// Exit prints err (if any) prefixed with the command name and exits with
// the matching code.
func Exit(cmd string, err error) {
	if err == nil {
		os.Exit(ExitOK)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(ExitOK)
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", cmd, err)
	var u *UsageError
	if errors.As(err, &u) {
		fmt.Fprintf(os.Stderr, "Run '%s -help' for the flags.\n", cmd)
		os.Exit(ExitUsage)
	}
	os.Exit(ExitFailure)
}

// Parse parses args into fs, turning flag errors into UsageErrors and
// rejecting stray positional arguments. Help asked for with -help or -h
// goes to stdout (it is the command's output then, for a pager or a
// file); the usage printed after a bad flag goes to stderr.
func Parse(fs *flag.FlagSet, args []string) error {
	var printed bytes.Buffer
	fs.SetOutput(&printed)
	err := fs.Parse(args)
	fs.SetOutput(os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Stdout.Write(printed.Bytes())
		return err
	}
	os.Stderr.Write(printed.Bytes())
	if err != nil {
		return &UsageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q (all options are flags)", fs.Arg(0))
	}
	return nil
}
