package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// resumeModel loads the checkpoint to continue and refuses flags that
// would change its configuration: a resumed run takes the configuration
// it was started with, and only the flags in resumable may be given.
func resumeModel(flags *flag.FlagSet, ckptPath string, resumable map[string]bool) (*ddaebm.Model, error) {
	m, err := ddaebm.Load(ckptPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("-resume: no checkpoint at %s", ckptPath)
		}
		return nil, err
	}
	var changed []string
	flags.Visit(func(f *flag.Flag) {
		if !resumable[f.Name] {
			changed = append(changed, "-"+f.Name)
		}
	})
	if len(changed) > 0 {
		return nil, cli.Usagef("-resume takes the configuration from the checkpoint; %s cannot change (start a new -out instead)", strings.Join(changed, ", "))
	}
	return m, nil
}
