package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ddaebm/ddaebm/cmd/internal/cli"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/npy"
)

// inspectCmd describes a data set file as data.ReadDataset loads it, or
// says in one line why it cannot be loaded, so that a file can be checked
// before a long run is started on it.
func inspectCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("evaluate inspect", flag.ContinueOnError)
	path := flags.String("data", "", "N×D or N×C×H×W .npy file of float32, float64 or uint8 values (required)")
	if err := cli.Parse(flags, args); err != nil {
		return err
	}
	if *path == "" {
		return cli.Usagef("-data is required")
	}
	d, err := data.ReadDataset(*path)
	if err != nil {
		return err
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range d.X.Data {
		f := float64(v)
		lo, hi, sum = min(lo, f), max(hi, f), sum+f
	}
	dtype := d.Dtype
	if dtype == npy.Uint8 {
		dtype += " (values divided by 255)"
	}
	shape := make([]string, len(d.Shape))
	for i, s := range d.Shape {
		shape[i] = strconv.Itoa(s)
	}
	_, err = fmt.Fprintf(stdout, "file      %s\nshape     (%s)\ndtype     %s\nexamples  %d\nfeatures  %d\nmin       %.6g\nmax       %.6g\nmean      %.6g\n",
		*path, strings.Join(shape, ", "), dtype, d.X.R, d.X.C, lo, hi, sum/float64(len(d.X.Data)))
	return err
}
