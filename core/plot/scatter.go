package plot

import (
	"fmt"
	"image/color"
	"math"
)

// Layer is one set of points in a Scatter plot.
type Layer struct {
	Points []float64 // row-major n×2
	// Color is a premultiplied image/color value: A below 255 makes the dots
	// translucent, with R, G and B at most A.
	Color color.RGBA
	Label string // shown in the legend; empty leaves the layer out of it
}

const scatterSide = 600

// dotSize is the side of each point's square in pixels: visible alone, yet
// small enough that thousands of points still show the density's shape.
const dotSize = 3

// Scatter draws the layers' points over [−lim, lim]², later layers on top.
// Points outside the square (and NaN points) are left out. Labelled layers
// get a legend line under the title.
func Scatter(path string, lim float64, title string, layers ...Layer) error {
	if !(lim > 0) || math.IsInf(lim, 0) {
		return fmt.Errorf("plot: scatter over [−%g, %g]²", lim, lim)
	}
	var names []string
	var colours []color.RGBA
	for i, l := range layers {
		if len(l.Points)%2 != 0 {
			return fmt.Errorf("plot: scatter layer %d (%q): %d values are not 2-D points", i, l.Label, len(l.Points))
		}
		if l.Label != "" {
			names = append(names, l.Label)
			colours = append(colours, l.Color)
		}
	}
	m := margins{left: 50, right: 20, top: 28, bottom: 24}
	if len(names) > 0 {
		m.top += lineHeight
	}
	f := newFigure(scatterSide, scatterSide, m)
	a := f.area
	scale := scatterSide / (2 * lim)
	for _, l := range layers {
		for i := 0; i < len(l.Points); i += 2 {
			x, y := l.Points[i], l.Points[i+1]
			if !(x >= -lim && x <= lim && y >= -lim && y <= lim) {
				continue
			}
			px := float64(a.Min.X) + (x+lim)*scale
			py := float64(a.Min.Y) + (lim-y)*scale
			f.square(px, py, dotSize, l.Color, a)
		}
	}
	f.border()
	f.xRangeLabels(a, -lim, lim)
	f.yRangeLabels(a, -lim, lim)
	f.title(title)
	f.legend(a.Min.X, 4+lineHeight, names, colours)
	return writePNG(path, f.img)
}
