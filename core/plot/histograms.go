package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

const (
	histogramWidth  = 700
	histogramHeight = 400
	// barOpacity lets overlapping groups show through each other.
	barOpacity = 0.35
)

// Histograms overlays one histogram per group (e.g. the energies of
// in-distribution and of each out-of-distribution set), all on the same bins
// spanning the finite values of every group. Each is normalised to unit
// area, so groups of different sizes compare by shape, and drawn as
// translucent bars under an opaque outline. NaN and ±Inf values are left
// out; the legend gives each group's count of finite values.
func Histograms(path string, title string, groups []Series, bins int) error {
	if len(groups) == 0 {
		return fmt.Errorf("plot: histograms without groups")
	}
	if bins <= 0 {
		return fmt.Errorf("plot: histograms with %d bins", bins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, g := range groups {
		if gLo, gHi, ok := finiteRange(g.Ys); ok {
			lo, hi = min(lo, gLo), max(hi, gHi)
		}
	}
	if lo > hi {
		return fmt.Errorf("plot: histograms without a finite value")
	}
	lo, hi = widenDegenerate(lo, hi)
	binWidth := (hi - lo) / float64(bins)

	densities := make([][]float64, len(groups))
	names := make([]string, len(groups))
	colours := make([]color.RGBA, len(groups))
	tallest := 0.0
	for i, g := range groups {
		counts := make([]float64, bins)
		finite := 0
		for _, v := range g.Ys {
			if isFinite(v) {
				counts[min(int((v-lo)/binWidth), bins-1)]++ // the maximum closes the last bin
				finite++
			}
		}
		for b := range counts {
			if finite > 0 {
				counts[b] /= float64(finite) * binWidth
			}
			tallest = max(tallest, counts[b])
		}
		densities[i] = counts
		names[i] = fmt.Sprintf("%s (n=%d)", g.Name, finite)
		colours[i] = PaletteColor(i)
	}

	f := newFigure(histogramWidth, histogramHeight, margins{left: 70, right: 20, top: 28 + lineHeight, bottom: 24})
	a := f.area
	barLeft := func(b int) float64 { return float64(a.Min.X) + float64(b)*float64(a.Dx())/float64(bins) }
	barTop := func(d float64) float64 { return float64(a.Max.Y) - d/tallest*float64(a.Dy()-1) }
	for i, d := range densities {
		fillColour := translucent(colours[i], barOpacity)
		for b, v := range d {
			bar := image.Rect(int(barLeft(b)), int(math.Round(barTop(v))), int(barLeft(b+1)), a.Max.Y)
			f.fill(bar.Intersect(a), fillColour)
		}
	}
	// Outlines after all bars, so none is hidden under another group's fill.
	for i, d := range densities {
		previousTop := float64(a.Max.Y)
		for b, v := range d {
			top := barTop(v)
			f.line(barLeft(b), previousTop, barLeft(b), top, colours[i], a)
			f.line(barLeft(b), top, barLeft(b+1), top, colours[i], a)
			previousTop = top
		}
		f.line(barLeft(bins), previousTop, barLeft(bins), float64(a.Max.Y), colours[i], a)
	}
	f.border()
	f.xRangeLabels(a, lo, hi)
	f.yRangeLabels(a, 0, tallest)
	f.title(title)
	f.legend(a.Min.X, 4+lineHeight, names, colours)
	return writePNG(path, f.img)
}

// translucent is c at the given opacity, premultiplied as color.RGBA wants.
func translucent(c color.RGBA, opacity float64) color.RGBA {
	scale := func(v uint8) uint8 { return uint8(math.Round(float64(v) * opacity)) }
	return color.RGBA{scale(c.R), scale(c.G), scale(c.B), scale(c.A)}
}
