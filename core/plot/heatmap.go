package plot

import (
	"fmt"
	"image"
	"math"
)

const heatmapSide = 600 // pixels of the square plot area

var heatmapMargins = margins{left: 50, right: 115, top: 28, bottom: 24}

// Heatmap draws an n×n grid of values over [−lim, lim]² (row-major, row 0 at
// the bottom, as metrics.Grid lays out LogP) through the viridis colour map,
// scaled from the smallest to the largest finite value, with a colour bar.
// NaN and ±Inf cells are drawn grey.
func Heatmap(path string, values []float64, n int, lim float64, title string) error {
	if n <= 0 || len(values) != n*n {
		return fmt.Errorf("plot: heatmap of %d values is not %d×%d", len(values), n, n)
	}
	if !(lim > 0) || math.IsInf(lim, 0) {
		return fmt.Errorf("plot: heatmap over [−%g, %g]²", lim, lim)
	}
	lo, hi, anyFinite := finiteRange(values)
	shade := func(v float64) float64 {
		if hi == lo {
			return 0.5
		}
		return (v - lo) / (hi - lo)
	}

	f := newFigure(heatmapSide, heatmapSide, heatmapMargins)
	a := f.area
	for py := a.Min.Y; py < a.Max.Y; py++ {
		row := n - 1 - (py-a.Min.Y)*n/heatmapSide
		for px := a.Min.X; px < a.Max.X; px++ {
			v := values[row*n+(px-a.Min.X)*n/heatmapSide]
			if !isFinite(v) {
				f.img.SetRGBA(px, py, missingGrey)
			} else {
				f.img.SetRGBA(px, py, viridis(shade(v)))
			}
		}
	}
	f.border()
	f.xRangeLabels(a, -lim, lim)
	f.yRangeLabels(a, -lim, lim)
	f.title(title)

	bar := image.Rect(a.Max.X+15, a.Min.Y, a.Max.X+35, a.Max.Y)
	for py := bar.Min.Y; py < bar.Max.Y; py++ {
		c := missingGrey
		if anyFinite {
			c = viridis(float64(bar.Max.Y-1-py) / float64(bar.Dy()-1))
		}
		f.fill(image.Rect(bar.Min.X, py, bar.Max.X, py+1), c)
	}
	if anyFinite {
		x := bar.Max.X + 5
		f.text(x, bar.Min.Y, formatNumber(hi), black, alignLeft)
		f.text(x, bar.Max.Y-face.Ascent, formatNumber(lo), black, alignLeft)
	} else {
		f.text(bar.Max.X+5, bar.Min.Y, "no finite", black, alignLeft)
		f.text(bar.Max.X+5, bar.Min.Y+lineHeight, "values", black, alignLeft)
	}
	return writePNG(path, f.img)
}
