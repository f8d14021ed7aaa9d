package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Series is a named sequence of values: a learning curve for Lines, a set of
// scores for Histograms.
type Series struct {
	Name string
	Ys   []float64
}

const (
	linesWidth  = 700
	panelHeight = 140
	panelGap    = 24 // room above each panel for its name and range
)

// Lines draws each series against xs in a panel of its own, stacked with a
// shared x axis. Each panel's y axis spans that series' own finite range, so
// losses of very different sizes all stay readable; the panel's header gives
// the range and the last value. NaN and ±Inf values are skipped and their
// neighbours joined, so a metric recorded only every few steps still shows
// as a curve.
func Lines(path string, title string, xs []float64, series []Series) error {
	if len(series) == 0 {
		return fmt.Errorf("plot: lines without series")
	}
	for _, s := range series {
		if len(s.Ys) != len(xs) {
			return fmt.Errorf("plot: series %q has %d values for %d x positions", s.Name, len(s.Ys), len(xs))
		}
	}
	xLo, xHi, ok := finiteRange(xs)
	if !ok {
		return fmt.Errorf("plot: lines without a finite x position")
	}
	xLo, xHi = widenDegenerate(xLo, xHi)

	height := len(series)*(panelGap+panelHeight) - panelGap
	f := newFigure(linesWidth, height, margins{left: 70, right: 20, top: 28 + panelGap, bottom: 24})
	for i, s := range series {
		top := f.area.Min.Y + i*(panelGap+panelHeight)
		panel := image.Rect(f.area.Min.X, top, f.area.Max.X, top+panelHeight)
		f.drawPanel(panel, xs, xLo, xHi, s, PaletteColor(i))
	}
	f.xRangeLabels(f.area, xLo, xHi)
	f.title(title)
	return writePNG(path, f.img)
}

// drawPanel draws one series in panel, scaled to its own finite range.
func (f *figure) drawPanel(panel image.Rectangle, xs []float64, xLo, xHi float64, s Series, c color.RGBA) {
	headerY := panel.Min.Y - lineHeight - 2
	f.fill(image.Rect(panel.Min.X, headerY+2, panel.Min.X+10, headerY+12), c)
	lo, hi, ok := finiteRange(s.Ys)
	if !ok {
		f.text(panel.Min.X+14, headerY, s.Name+": no finite values", black, alignLeft)
		f.borderAround(panel)
		return
	}
	last := math.NaN()
	for i, y := range s.Ys {
		if isFinite(y) && isFinite(xs[i]) {
			last = y
		}
	}
	f.text(panel.Min.X+14, headerY, fmt.Sprintf("%s: min %s  max %s  last %s", s.Name,
		formatNumber(lo), formatNumber(hi), formatNumber(last)), black, alignLeft)
	lo, hi = widenDegenerate(lo, hi)
	toPixel := func(x, y float64) (float64, float64) {
		// One pixel of padding inside the frame so the extremes stay visible.
		px := float64(panel.Min.X) + 1 + (x-xLo)/(xHi-xLo)*float64(panel.Dx()-3)
		py := float64(panel.Max.Y) - 2 - (y-lo)/(hi-lo)*float64(panel.Dy()-3)
		return px, py
	}
	havePrevious := false
	var prevX, prevY float64
	for i, y := range s.Ys {
		if !isFinite(y) || !isFinite(xs[i]) {
			continue
		}
		px, py := toPixel(xs[i], y)
		if havePrevious {
			f.line(prevX, prevY, px, py, c, panel)
		} else {
			f.square(px, py, 2, c, panel)
		}
		prevX, prevY, havePrevious = px, py, true
	}
	f.borderAround(panel)
	f.yRangeLabels(panel, lo, hi)
}
