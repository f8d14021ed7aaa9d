package plot

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// readPNG decodes path and checks its size.
func readPNG(t *testing.T, path string, width, height int) image.Image {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("%s is %d×%d, want %d×%d", path, b.Dx(), b.Dy(), width, height)
	}
	return img
}

func rgbaAt(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func luminance(c color.RGBA) float64 {
	return 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
}

// heatmapArea is where Heatmap puts its plot area.
var heatmapArea = image.Rect(heatmapMargins.left, heatmapMargins.top,
	heatmapMargins.left+heatmapSide, heatmapMargins.top+heatmapSide)

func readHeatmap(t *testing.T, path string) image.Image {
	return readPNG(t, path,
		heatmapMargins.left+heatmapSide+heatmapMargins.right,
		heatmapMargins.top+heatmapSide+heatmapMargins.bottom)
}

func TestHeatmapOrientationAndColours(t *testing.T) {
	const n = 20
	alongX, alongY := make([]float64, n*n), make([]float64, n*n)
	for row := range n {
		for col := range n {
			alongX[row*n+col] = float64(col)
			alongY[row*n+col] = float64(row)
		}
	}
	dir := t.TempDir()
	a := heatmapArea
	midX, midY := (a.Min.X+a.Max.X)/2, (a.Min.Y+a.Max.Y)/2

	if err := Heatmap(filepath.Join(dir, "x.png"), alongX, n, 3.5, "values grow with x"); err != nil {
		t.Fatal(err)
	}
	img := readHeatmap(t, filepath.Join(dir, "x.png"))
	left, right := rgbaAt(img, a.Min.X+3, midY), rgbaAt(img, a.Max.X-3, midY)
	if left != viridis(0) || right != viridis(1) {
		t.Errorf("left %v right %v, want viridis ends %v and %v", left, right, viridis(0), viridis(1))
	}
	if luminance(left) >= luminance(right) {
		t.Errorf("left (low values) is not darker than right: %v vs %v", left, right)
	}

	if err := Heatmap(filepath.Join(dir, "y.png"), alongY, n, 3.5, "values grow with y"); err != nil {
		t.Fatal(err)
	}
	img = readHeatmap(t, filepath.Join(dir, "y.png"))
	if top, bottom := rgbaAt(img, midX, a.Min.Y+3), rgbaAt(img, midX, a.Max.Y-3); top != viridis(1) || bottom != viridis(0) {
		t.Errorf("row 0 is not at the bottom: top %v bottom %v", top, bottom)
	}
}

func TestHeatmapNonFiniteCells(t *testing.T) {
	dir := t.TempDir()
	a := heatmapArea
	quarter := heatmapSide / 4
	// Row 0 (bottom): NaN, 1; row 1 (top): +Inf, 2.
	if err := Heatmap(filepath.Join(dir, "nan.png"), []float64{math.NaN(), 1, math.Inf(1), 2}, 2, 1, "non-finite"); err != nil {
		t.Fatal(err)
	}
	img := readHeatmap(t, filepath.Join(dir, "nan.png"))
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{
		{a.Min.X + quarter, a.Max.Y - quarter, missingGrey}, // NaN
		{a.Min.X + quarter, a.Min.Y + quarter, missingGrey}, // +Inf
		{a.Max.X - quarter, a.Max.Y - quarter, viridis(0)},  // 1, the finite minimum
		{a.Max.X - quarter, a.Min.Y + quarter, viridis(1)},  // 2, the finite maximum
	} {
		if got := rgbaAt(img, c.x, c.y); got != c.want {
			t.Errorf("pixel (%d, %d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}

	if err := Heatmap(filepath.Join(dir, "allnan.png"), []float64{math.NaN(), math.Inf(-1), math.NaN(), math.NaN()}, 2, 1, ""); err != nil {
		t.Fatal(err)
	}
	if got := rgbaAt(readHeatmap(t, filepath.Join(dir, "allnan.png")), a.Min.X+quarter, a.Min.Y+quarter); got != missingGrey {
		t.Errorf("no finite values: pixel %v, want grey", got)
	}

	if err := Heatmap(filepath.Join(dir, "flat.png"), []float64{3, 3, 3, 3}, 2, 1, ""); err != nil {
		t.Fatal(err)
	}
	if got := rgbaAt(readHeatmap(t, filepath.Join(dir, "flat.png")), a.Min.X+quarter, a.Min.Y+quarter); got != viridis(0.5) {
		t.Errorf("constant values: pixel %v, want the middle colour %v", got, viridis(0.5))
	}
}

func TestHeatmapRejectsBadArguments(t *testing.T) {
	dir := t.TempDir()
	ok := []float64{1, 2, 3, 4}
	for name, err := range map[string]error{
		"too few values":    Heatmap(filepath.Join(dir, "a.png"), ok[:3], 2, 1, ""),
		"zero size":         Heatmap(filepath.Join(dir, "a.png"), nil, 0, 1, ""),
		"zero limit":        Heatmap(filepath.Join(dir, "a.png"), ok, 2, 0, ""),
		"NaN limit":         Heatmap(filepath.Join(dir, "a.png"), ok, 2, math.NaN(), ""),
		"empty path":        Heatmap("", ok, 2, 1, ""),
		"missing directory": Heatmap(filepath.Join(dir, "no", "a.png"), ok, 2, 1, ""),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestViridisEnds(t *testing.T) {
	if viridis(-1) != (color.RGBA{68, 1, 84, 255}) || viridis(2) != (color.RGBA{253, 231, 37, 255}) {
		t.Errorf("clamped ends %v %v", viridis(-1), viridis(2))
	}
	// Luminance rises monotonically along the map.
	previous := -1.0
	for i := range 101 {
		l := luminance(viridis(float64(i) / 100))
		if l < previous {
			t.Fatalf("luminance falls at %.2f", float64(i)/100)
		}
		previous = l
	}
}

func TestScatter(t *testing.T) {
	red := color.RGBA{255, 0, 0, 255}
	dir := t.TempDir()
	path := filepath.Join(dir, "scatter.png")
	points := []float64{0, 0, 10, 10, math.NaN(), 0, -2, 0.5} // centre, outside, NaN, inside
	if err := Scatter(path, 2, "one layer", Layer{Points: points, Color: red, Label: "model"}); err != nil {
		t.Fatal(err)
	}
	// A labelled layer adds a legend line to the top margin.
	top := 28 + lineHeight
	img := readPNG(t, path, 50+scatterSide+20, top+scatterSide+24)
	area := image.Rect(50, top, 50+scatterSide, top+scatterSide)
	centre := image.Pt(area.Min.X+scatterSide/2, area.Min.Y+scatterSide/2)
	if got := rgbaAt(img, centre.X, centre.Y); got != red {
		t.Errorf("centre pixel %v, want the point at (0, 0) in red", got)
	}
	// (−2, 0.5) sits on the left edge, a quarter of the half-height up.
	if got := rgbaAt(img, area.Min.X, centre.Y-scatterSide/8); got != red {
		t.Errorf("pixel of (−2, 0.5) is %v", got)
	}
	redInside := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if rgbaAt(img, x, y) == red {
				redInside++
			}
		}
	}
	// Two drawn points: the centre's full square and the edge point's
	// square clipped to its two inner columns.
	if want := dotSize*dotSize + (dotSize-1)*dotSize; redInside != want {
		t.Errorf("%d red pixels in the plot area, want %d (clipped and NaN points left out)", redInside, want)
	}
	if got := rgbaAt(img, 50+4, 4+lineHeight+6); got != red {
		t.Errorf("legend swatch pixel %v, want red", got)
	}

	// Without labels there is no legend line; a translucent layer blends.
	halfBlue := color.RGBA{0, 0, 128, 128}
	if err := Scatter(path, 2, "", Layer{Points: []float64{0, 0}, Color: halfBlue}); err != nil {
		t.Fatal(err)
	}
	img = readPNG(t, path, 50+scatterSide+20, 28+scatterSide+24)
	if got := rgbaAt(img, 50+scatterSide/2, 28+scatterSide/2); got != (color.RGBA{127, 127, 255, 255}) {
		t.Errorf("half-transparent blue over white gives %v", got)
	}

	if err := Scatter(path, 2, "", Layer{Points: []float64{1, 2, 3}}); err == nil {
		t.Error("odd number of values: no error")
	}
	if err := Scatter(path, -1, ""); err == nil {
		t.Error("negative limit: no error")
	}
}

func TestLines(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	rising := []float64{0, 1, 2, math.NaN(), 4, 5, math.Inf(1), 7, 8, 9}
	allNaN := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(),
		math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	path := filepath.Join(t.TempDir(), "lines.png")
	if err := Lines(path, "curves", xs, []Series{{"rising", rising}, {"missing", allNaN}}); err != nil {
		t.Fatal(err)
	}
	top := 28 + panelGap
	img := readPNG(t, path, 70+linesWidth+20, top+2*panelHeight+panelGap+24)
	first := image.Rect(70, top, 70+linesWidth, top+panelHeight)
	second := first.Add(image.Pt(0, panelHeight+panelGap))
	// The curve runs from the bottom-left corner to the top-right corner of
	// its panel, through the skipped values.
	for _, p := range []image.Point{
		{first.Min.X + 1, first.Max.Y - 2},
		{first.Max.X - 2, first.Min.Y + 1},
		{(first.Min.X + first.Max.X) / 2, (first.Min.Y + first.Max.Y) / 2},
	} {
		if !colourNear(img, p, PaletteColor(0)) {
			t.Errorf("no pixel of the curve's colour near %v", p)
		}
	}
	for y := second.Min.Y; y < second.Max.Y; y++ {
		for x := second.Min.X; x < second.Max.X; x++ {
			if got := rgbaAt(img, x, y); got != white {
				t.Fatalf("panel without finite values has pixel %v at (%d, %d)", got, x, y)
			}
		}
	}

	for name, err := range map[string]error{
		"no series":       Lines(path, "", xs, nil),
		"length mismatch": Lines(path, "", xs, []Series{{"short", rising[:5]}}),
		"no finite x":     Lines(path, "", allNaN, []Series{{"a", rising}}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestHistograms(t *testing.T) {
	// On the bins [0, ½) and [½, 1]: "in" has densities 1.5 and 0.5, "out"
	// (its NaN left out) 0 and 2, the tallest.
	groups := []Series{{"in", []float64{0, 0, 0, 1}}, {"out", []float64{1, 1, math.NaN()}}}
	path := filepath.Join(t.TempDir(), "hist.png")
	if err := Histograms(path, "scores", groups, 2); err != nil {
		t.Fatal(err)
	}
	top := 28 + lineHeight
	img := readPNG(t, path, 70+histogramWidth+20, top+histogramHeight+24)
	area := image.Rect(70, top, 70+histogramWidth, top+histogramHeight)
	firstBin, secondBin := area.Min.X+histogramWidth/4, area.Min.X+3*histogramWidth/4
	heightAt := func(fraction float64) int { return area.Max.Y - int(fraction*histogramHeight) }

	over := func(c color.RGBA, under color.RGBA) color.RGBA {
		// translucent(c) drawn over an opaque colour.
		t := translucent(c, barOpacity)
		mix := func(top, bottom uint8) uint8 { return top + uint8(math.Round(float64(bottom)*(1-float64(t.A)/255))) }
		return color.RGBA{mix(t.R, under.R), mix(t.G, under.G), mix(t.B, under.B), 255}
	}
	inFill := over(PaletteColor(0), white)
	bothFill := over(PaletteColor(1), inFill)
	for _, c := range []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"first bin, in only", firstBin, heightAt(0.5), inFill},
		{"above the first bin's 0.75", firstBin, heightAt(0.85), white},
		{"second bin, both", secondBin, heightAt(0.1), bothFill},
		{"second bin, out only", secondBin, heightAt(0.5), over(PaletteColor(1), white)},
	} {
		if got := rgbaAt(img, c.x, c.y); !closeColour(got, c.want) {
			t.Errorf("%s: pixel %v, want %v", c.name, got, c.want)
		}
	}
	// The in-group's outline crosses the first bin at 0.75 of the height.
	if got := rgbaAt(img, firstBin, heightAt(0.75)); got != PaletteColor(0) {
		t.Errorf("first bin's top: pixel %v, want the outline %v", got, PaletteColor(0))
	}

	for name, err := range map[string]error{
		"no bins":        Histograms(path, "", groups, 0),
		"no groups":      Histograms(path, "", nil, 10),
		"no finite data": Histograms(path, "", []Series{{"nan", []float64{math.NaN()}}}, 10),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// colourNear reports whether c is within 3 pixels of p, the slack of
// rounding a point to a pixel and of the line's thickness.
func colourNear(img image.Image, p image.Point, c color.RGBA) bool {
	for dy := -3; dy <= 3; dy++ {
		for dx := -3; dx <= 3; dx++ {
			if rgbaAt(img, p.X+dx, p.Y+dy) == c {
				return true
			}
		}
	}
	return false
}

// closeColour allows the rounding of two successive blends.
func closeColour(a, b color.RGBA) bool {
	near := func(x, y uint8) bool { return math.Abs(float64(x)-float64(y)) <= 2 }
	return near(a.R, b.R) && near(a.G, b.G) && near(a.B, b.B) && a.A == b.A
}

func TestWritesAreAtomic(t *testing.T) {
	dir := t.TempDir()
	if err := Heatmap(filepath.Join(dir, "ok.png"), []float64{1}, 1, 1, ""); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "ok.png"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want rw-r--r--", info.Mode().Perm())
	}
	// Renaming onto a non-empty directory fails after the image is written:
	// the temporary file must not stay behind.
	blocked := filepath.Join(dir, "blocked.png")
	if err := os.MkdirAll(filepath.Join(blocked, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Heatmap(blocked, []float64{1}, 1, 1, ""); err == nil {
		t.Error("writing over a directory: no error")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only ok.png and blocked.png", names)
	}
}
