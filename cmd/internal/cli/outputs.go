package cli

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/plot"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// WriteMatrix saves d as a float32 .npy file.
func WriteMatrix(path string, d *tensor.Dense) error { return WriteArray(path, d, d.R, d.C) }

// WriteArray saves the values of d as a float32 .npy file of the given
// shape (d's rows as images: N, C, H, W).
func WriteArray(path string, d *tensor.Dense, shape ...int) error {
	a := &npy.Array{Shape: shape, Dtype: npy.Float32, F32: make([]float32, len(d.Data))}
	for i, v := range d.Data {
		a.F32[i] = float32(v)
	}
	return npy.WriteFile(path, a)
}

// WriteVector saves v as a float32 .npy vector.
func WriteVector(path string, v []float64) error {
	a := &npy.Array{Shape: []int{len(v)}, Dtype: npy.Float32, F32: make([]float32, len(v))}
	for i, x := range v {
		a.F32[i] = float32(x)
	}
	return npy.WriteFile(path, a)
}

// DensityPNG draws the grid-normalised density p̂ = exp(E(x, 0))/Z.
func DensityPNG(path string, g metrics.Grid, title string) error {
	p := make([]float64, len(g.LogP))
	for i, lp := range g.LogP {
		p[i] = math.Exp(lp)
	}
	return plot.Heatmap(path, p, g.N, g.Lim, title)
}

// SamplesPNG scatters model samples over (optional) data points.
func SamplesPNG(path string, lim float64, title string, samples, data *tensor.Dense) error {
	var layers []plot.Layer
	if data != nil {
		layers = append(layers, plot.Layer{Points: points(data), Color: color.RGBA{150, 150, 150, 255}, Label: "data"})
	}
	layers = append(layers, plot.Layer{Points: points(samples), Color: color.RGBA{220, 60, 40, 255}, Label: "samples"})
	return plot.Scatter(path, lim, title, layers...)
}

func points(d *tensor.Dense) []float64 {
	if d.C != 2 {
		return nil
	}
	return d.Float64s()
}

// WriteJSON writes v as indented JSON, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return npy.AtomicWriteFile(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// AppendJSONLine appends v as one JSON line to path.
func AppendJSONLine(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ToyMetrics flattens a report for metrics.json / metrics.jsonl.
func ToyMetrics(r *ddaebm.ToyReport) map[string]float64 {
	out := map[string]float64{"grid_nll": r.GridNLL, "grid_lim": r.GridLim, "mmd": r.MMD}
	if r.KLGrid != nil {
		out["kl_grid"] = *r.KLGrid
	}
	if r.ModesCovered != nil {
		out["modes_covered"] = float64(*r.ModesCovered)
		out["hq_fraction"] = *r.HQFraction
	}
	return out
}

// WriteToyPictures writes density.png and samples.png of a report into dir.
func WriteToyPictures(dir, name string, step int64, r *ddaebm.ToyReport) error {
	if err := DensityPNG(filepath.Join(dir, "density.png"), r.Grid,
		fmt.Sprintf("%s: exp(E(x,0)) after %d iterations", name, step)); err != nil {
		return err
	}
	return SamplesPNG(filepath.Join(dir, "samples.png"), r.Grid.Lim,
		fmt.Sprintf("%s: %d samples (NFE = T) after %d iterations", name, r.Samples.R, step), r.Samples, r.Test)
}
