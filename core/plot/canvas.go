package plot

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{0, 0, 0, 255}
	frameGrey = color.RGBA{110, 110, 110, 255}
	// missingGrey marks cells without a finite value; viridis holds no grey,
	// so it cannot be mistaken for a value.
	missingGrey = color.RGBA{170, 170, 170, 255}
)

// palette gives series without a colour of their own distinct colours
// (matplotlib's tab10).
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// PaletteColor is the i-th colour (cycling) of the palette Lines and
// Histograms use, for callers that want matching Scatter layers.
func PaletteColor(i int) color.RGBA { return palette[((i%len(palette))+len(palette))%len(palette)] }

var face = basicfont.Face7x13

const (
	lineHeight = 16 // pixels per line of 13-pixel text
	textWidth  = 7  // every glyph of the face advances 7 pixels
)

// margins around a figure's plot area, in pixels.
type margins struct{ left, right, top, bottom int }

// figure is a white image with a rectangular plot area inside margins.
type figure struct {
	img  *image.RGBA
	area image.Rectangle
}

func newFigure(areaWidth, areaHeight int, m margins) *figure {
	img := image.NewRGBA(image.Rect(0, 0, m.left+areaWidth+m.right, m.top+areaHeight+m.bottom))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	return &figure{img: img, area: image.Rect(m.left, m.top, m.left+areaWidth, m.top+areaHeight)}
}

// title centres one line of text in the top margin.
func (f *figure) title(text string) {
	f.text(f.img.Bounds().Dx()/2, 4, text, black, alignCentre)
}

type alignment int

const (
	alignLeft alignment = iota
	alignCentre
	alignRight
)

// text draws one line whose top edge is at y, anchored at x by align.
func (f *figure) text(x, y int, s string, c color.RGBA, align alignment) {
	s = asciiLookalikes.Replace(s)
	width := len([]rune(s)) * textWidth
	switch align {
	case alignCentre:
		x -= width / 2
	case alignRight:
		x -= width
	}
	d := font.Drawer{Dst: f.img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y+face.Ascent)}
	d.DrawString(s)
}

var asciiLookalikes = strings.NewReplacer("−", "-", "×", "x", "–", "-", "—", "-")

// fill paints r (clipped to the image) with c, blended by c's alpha.
func (f *figure) fill(r image.Rectangle, c color.RGBA) {
	draw.Draw(f.img, r.Intersect(f.img.Bounds()), image.NewUniform(c), image.Point{}, draw.Over)
}

// border draws a one-pixel frame just outside the plot area.
func (f *figure) border() { f.borderAround(f.area) }

// borderAround draws a one-pixel frame just outside r.
func (f *figure) borderAround(r image.Rectangle) {
	a := r.Inset(-1)
	f.fill(image.Rect(a.Min.X, a.Min.Y, a.Max.X, a.Min.Y+1), frameGrey)
	f.fill(image.Rect(a.Min.X, a.Max.Y-1, a.Max.X, a.Max.Y), frameGrey)
	f.fill(image.Rect(a.Min.X, a.Min.Y, a.Min.X+1, a.Max.Y), frameGrey)
	f.fill(image.Rect(a.Max.X-1, a.Min.Y, a.Max.X, a.Max.Y), frameGrey)
}

// xRangeLabels writes lo, the middle and hi under the rectangle r: lo
// starting at its left edge and hi ending at its right edge, so that neither
// runs into the y labels or off the image.
func (f *figure) xRangeLabels(r image.Rectangle, lo, hi float64) {
	y := r.Max.Y + 4
	f.text(r.Min.X, y, formatNumber(lo), black, alignLeft)
	f.text((r.Min.X+r.Max.X)/2, y, formatNumber((lo+hi)/2), black, alignCentre)
	f.text(r.Max.X, y, formatNumber(hi), black, alignRight)
}

// yRangeLabels writes hi at the top, the middle and lo at the bottom of r's
// left edge.
func (f *figure) yRangeLabels(r image.Rectangle, lo, hi float64) {
	x := r.Min.X - 5
	f.text(x, r.Min.Y-face.Ascent/2, formatNumber(hi), black, alignRight)
	f.text(x, (r.Min.Y+r.Max.Y)/2-face.Ascent/2, formatNumber((lo+hi)/2), black, alignRight)
	f.text(x, r.Max.Y-face.Ascent/2, formatNumber(lo), black, alignRight)
}

// legend writes coloured swatches and names in one line from (x, y).
func (f *figure) legend(x, y int, names []string, colours []color.RGBA) {
	for i, name := range names {
		f.fill(image.Rect(x, y+2, x+10, y+12), colours[i])
		f.text(x+14, y, name, black, alignLeft)
		x += 14 + len([]rune(name))*textWidth + 16
	}
}

// line draws a two-pixel-thick segment inside clip, one step per pixel along
// the longer axis so that steep segments stay connected.
func (f *figure) line(x0, y0, x1, y1 float64, c color.RGBA, clip image.Rectangle) {
	steps := int(math.Ceil(max(math.Abs(x1-x0), math.Abs(y1-y0))))
	for s := 0; s <= steps; s++ {
		t := 0.0
		if steps > 0 {
			t = float64(s) / float64(steps)
		}
		f.square(x0+t*(x1-x0), y0+t*(y1-y0), 2, c, clip)
	}
}

// square paints a size×size square on the pixel holding (x, y), clipped to
// clip and blended by c's alpha.
func (f *figure) square(x, y float64, size int, c color.RGBA, clip image.Rectangle) {
	x0, y0 := int(math.Floor(x))-size/2, int(math.Floor(y))-size/2
	f.fill(image.Rect(x0, y0, x0+size, y0+size).Intersect(clip), c)
}

// formatNumber gives an axis label of at most four significant digits,
// writing step counts such as 25000 in full rather than as 2.5e+04.
func formatNumber(v float64) string {
	if a := math.Abs(v); a >= 1e4 && a < 1e7 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// finiteRange is the smallest and largest finite value in vs; ok is false
// if there is none.
func finiteRange(vs []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if isFinite(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi, lo <= hi
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// widenDegenerate turns an empty range into one of width 1 around it, so a
// constant series maps to the middle instead of dividing by zero.
func widenDegenerate(lo, hi float64) (float64, float64) {
	if hi > lo {
		return lo, hi
	}
	return lo - 0.5, hi + 0.5
}

// writePNG encodes img to a temporary file beside path and renames it into
// place, so path holds either the old image or the complete new one.
func writePNG(path string, img image.Image) (err error) {
	if path == "" {
		return fmt.Errorf("plot: empty output path")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := png.Encode(tmp, img); err != nil {
		return fmt.Errorf("plot: encoding %s: %w", path, err)
	}
	// CreateTemp makes the file private; a figure is for everyone to read.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
