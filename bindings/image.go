package bindings

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/models/unet"
	"github.com/ddaebm/ddaebm/core/plot"
)

// DefaultImageConfig returns, as JSON, the image configuration of
// docs/IMAGES.md §3 with the named network sizes (xs, s, m, cifar10) for
// images of h×w pixels of c channels, training on data.
func DefaultImageConfig(data, preset string, h, w, c int) (cfg string, err error) {
	defer guard(&err)
	if h < 1 || w < 1 || c < 1 {
		return "", invalid("image size must be positive, got %dx%dx%d", h, w, c)
	}
	conf, err := ddaebm.DefaultImageConfig(data, preset, autograd.Image{H: h, W: w, C: c})
	if err != nil {
		return "", asValue(err)
	}
	return string(conf.JSON()), nil
}

// imageLayout is the image layout of an image model's configuration.
func (f *Fit) imageLayout() (autograd.Image, error) {
	s, ok := f.m.m.Config.Net.(*unet.Settings)
	if !ok {
		return autograd.Image{}, invalid("a model of type %q does not train on images (make one with Model.image)", f.m.m.Config.Model)
	}
	return s.Image, nil
}

// useImages makes Train draw from images, which must have the model's layout.
func (f *Fit) useImages(images *ddaebm.ImageData, flip bool) error {
	want, err := f.imageLayout()
	if err != nil {
		return err
	}
	if images.Image != want {
		return invalid("the images are %dx%dx%d (after padding 28×28 to 32×32), the model's %dx%dx%d",
			images.Image.H, images.Image.W, images.Image.C, want.H, want.W, want.C)
	}
	src, err := ddaebm.NewImageSource(images, flip)
	if err != nil {
		return asValue(err)
	}
	f.src = src
	return nil
}

// UseImageSet makes Train draw from a built-in image set, "mnist" or
// "stackedmnist" (60000 images drawn with the model's seed), flipped at
// random when flip is set; the configuration then names it.
func (f *Fit) UseImageSet(name string, flip bool) (err error) {
	defer guard(&err)
	unlock, err := f.hold(false)
	if err != nil {
		return err
	}
	defer unlock()
	if name != ddaebm.MNISTData && name != ddaebm.StackedMNISTData {
		return invalid("image set %q is not built in (want %s or %s; other images as an (N, C, H, W) array or .npy file)", name, ddaebm.MNISTData, ddaebm.StackedMNISTData)
	}
	cfg := &f.m.m.Config
	images, err := ddaebm.LoadImageData(name, "", cfg.Seed, ddaebm.EvalSeed)
	if err != nil {
		return err
	}
	if err := f.useImages(images, flip); err != nil {
		return err
	}
	cfg.Data, cfg.DataSHA256 = name, ""
	return nil
}

// UseImages makes Train draw from the (N, C, H, W) images of ds (uint8
// pixels or floats in [0, 1]), flipped at random when flip is set;
// keepPath is as for UseDataset.
func (f *Fit) UseImages(ds *Dataset, keepPath string, flip bool) (err error) {
	defer guard(&err)
	if err := ds.check(); err != nil {
		return err
	}
	unlock, err := f.hold(false)
	if err != nil {
		return err
	}
	defer unlock()
	images, err := ddaebm.ImagesFromDataset(ds.d)
	if err != nil {
		return asValue(err)
	}
	if err := f.useImages(images, flip); err != nil {
		return err
	}
	path, sha, err := ds.keep(keepPath)
	if err != nil {
		return err
	}
	cfg := &f.m.m.Config
	cfg.Data, cfg.DataSHA256 = path, sha
	return nil
}

// ImageSetNames lists the built-in image sets as a JSON array.
func ImageSetNames() (names string, err error) {
	defer guard(&err)
	b, err := json.Marshal([]string{ddaebm.MNISTData, ddaebm.StackedMNISTData})
	return string(b), err
}

// EvalSeed is the seed that fixes the test points of MNIST-family
// evaluations (ddaebm.EvalSeed).
func EvalSeed() (seed uint64, err error) {
	defer guard(&err)
	return ddaebm.EvalSeed, nil
}

// ExportImages writes n images of h×w pixels of c channels (float32
// values in [−1, 1], shape (n, h, w, c), the channels of a pixel
// together) into dir as 000000.png, … and images.npz, the layout of
// evaluate export, for the FID tools.
func ExportImages(addr uintptr, nbytes, n, h, w, c int, dir string) (err error) {
	defer guard(&err)
	if n < 1 || h < 1 || w < 1 || (c != 1 && c != 3) {
		return invalid("images must be n ≥ 1 of positive size with 1 or 3 channels, got (%d, %d, %d, %d)", n, c, h, w)
	}
	x, err := readMatrix("images", addr, nbytes, n, h*w*c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pix, err := plot.WriteImagePNGs(dir, x, h, w, c, 0)
	if err != nil {
		return err
	}
	return plot.WriteImagesNPZ(filepath.Join(dir, "images.npz"), pix, n, h, w, c)
}
