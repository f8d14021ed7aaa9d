package cli

import (
	"image"
	"image/png"
	"io"
	"math"

	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// WriteImageGrid draws images (one per row, channel-major, values in
// [0, 1]) as a PNG grid of up to 10×10: grey for square images, colour
// for three square channels stored one after the other (StackedMNIST,
// an image model's samples); rows that are not square images draw
// nothing.
func WriteImageGrid(path string, x *tensor.Dense) error {
	channels := 1
	if x.C%3 == 0 && isSquare(x.C/3) {
		channels = 3
	} else if !isSquare(x.C) {
		return nil // not square images: no picture
	}
	area := x.C / channels
	side := int(math.Sqrt(float64(area)))
	cols := min(10, x.R)
	rows := min(10, (x.R+cols-1)/cols)
	img := image.NewRGBA(image.Rect(0, 0, cols*(side+2), rows*(side+2)))
	for i := 0; i < min(x.R, rows*cols); i++ {
		ox, oy := (i%cols)*(side+2)+1, (i/cols)*(side+2)+1
		row := x.Row(i)
		for p := 0; p < area; p++ {
			o := (oy+p/side)*img.Stride + 4*(ox+p%side)
			for c := 0; c < 3; c++ {
				v := row[min(c, channels-1)*area+p]
				img.Pix[o+c] = uint8(math.Round(255 * min(max(float64(v), 0), 1)))
			}
			img.Pix[o+3] = 255
		}
	}
	return npy.AtomicWriteFile(path, func(w io.Writer) error { return png.Encode(w, img) })
}

func isSquare(n int) bool {
	s := int(math.Sqrt(float64(n)))
	return n > 0 && s*s == n
}
