package plot

import (
	"archive/zip"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"path/filepath"

	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Image files for the FID tools (pytorch-fid, clean-fid), which read
// directories of PNG files and bring their own Inception weights.

// ImagePixels maps values in [−1, 1] (an image model's samples) to
// 8-bit pixels round((x + 1)/2·255), clamping values outside.
func ImagePixels(x []tensor.Float) []uint8 {
	out := make([]uint8, len(x))
	for i, v := range x {
		out[i] = uint8(math.Round(255 * min(max((float64(v)+1)/2, 0), 1)))
	}
	return out
}

// WriteImagePNGs writes the rows of x (images of h×w pixels of c
// channels, the channels of a pixel together, values in [−1, 1]) into
// dir as numbered PNG files, first.png (six digits) onwards, and returns
// their pixels, row after row.
func WriteImagePNGs(dir string, x *tensor.Dense, h, w, c, first int) ([]uint8, error) {
	if x.C != h*w*c || (c != 1 && c != 3) {
		return nil, fmt.Errorf("rows of %d values as %dx%d images of %d channels: PNG files hold 1 or 3 channels of h·w·c values", x.C, h, w, c)
	}
	pix := ImagePixels(x.Data)
	for i := range x.R {
		row := pix[i*x.C : (i+1)*x.C]
		var img image.Image
		if c == 1 {
			g := image.NewGray(image.Rect(0, 0, w, h))
			copy(g.Pix, row)
			img = g
		} else {
			rgba := image.NewRGBA(image.Rect(0, 0, w, h))
			for p := range h * w {
				copy(rgba.Pix[4*p:4*p+3], row[3*p:3*p+3])
				rgba.Pix[4*p+3] = 255
			}
			img = rgba
		}
		path := filepath.Join(dir, fmt.Sprintf("%06d.png", first+i))
		if err := npy.AtomicWriteFile(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
			return nil, err
		}
	}
	return pix, nil
}

// WriteImagesNPZ writes the pixels of n images of h×w pixels of c
// channels as the uint8 array "images" of shape (n, h, w, c) in an .npz
// file, uncompressed as numpy's savez writes it.
func WriteImagesNPZ(path string, pix []uint8, n, h, w, c int) error {
	if len(pix) != n*h*w*c {
		return fmt.Errorf("%d pixel values for %d images of %dx%dx%d", len(pix), n, h, w, c)
	}
	a := &npy.Array{Shape: []int{n, h, w, c}, Dtype: npy.Uint8, U8: pix}
	return npy.AtomicWriteFile(path, func(out io.Writer) error {
		z := zip.NewWriter(out)
		f, err := z.CreateHeader(&zip.FileHeader{Name: "images.npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := npy.Write(f, a); err != nil {
			return err
		}
		return z.Close()
	})
}
