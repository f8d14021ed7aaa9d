package bindings

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/classify"
	"github.com/ddaebm/ddaebm/core/data"
	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/metrics"
	"github.com/ddaebm/ddaebm/core/npy"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// The MNIST evaluation of the train mnist and evaluate ood commands
// (docs/ALGORITHM.md §7–§8): the data, its preprocessing, the test
// log-likelihood and the out-of-distribution scores, drawn from the same
// seeds in the same order as the commands, so the numbers agree.

// mnistSplit loads MNIST from dir ("" = $DDAEBM_MNIST_DIR, else the GoMNIST
// module) and returns the named split.
func mnistSplit(split, dir string) (*data.Images, error) {
	if split != "train" && split != "test" {
		return nil, invalid("MNIST split %q is not known (want \"train\" or \"test\")", split)
	}
	mn, err := data.LoadMNIST(dir)
	if err != nil {
		return nil, err
	}
	if split == "train" {
		return &mn.Train, nil
	}
	return &mn.Test, nil
}

// MNISTImages returns the images of an MNIST split ("train": 60000,
// "test": 10000) as a float32 N×784 Array of pixel values k/255 in [0, 1],
// read from dir (empty: $DDAEBM_MNIST_DIR, else the GoMNIST module).
func MNISTImages(split, dir string) (a *Array, err error) {
	defer guard(&err)
	s, err := mnistSplit(split, dir)
	if err != nil {
		return nil, err
	}
	arr := &npy.Array{Shape: []int{s.X.R, s.X.C}, Dtype: npy.Float32, F32: make([]float32, len(s.X.Data))}
	for i, v := range s.X.Data {
		arr.F32[i] = float32(v)
	}
	return &Array{arr}, nil
}

// MNISTLabels returns the digits (0–9) of an MNIST split as an int64
// Array of N values, in the order of MNISTImages.
func MNISTLabels(split, dir string) (a *Array, err error) {
	defer guard(&err)
	s, err := mnistSplit(split, dir)
	if err != nil {
		return nil, err
	}
	arr := &npy.Array{Shape: []int{len(s.Labels)}, Dtype: npy.Int64, I64: make([]int64, len(s.Labels))}
	for i, v := range s.Labels {
		arr.I64[i] = int64(v)
	}
	return &Array{arr}, nil
}

// readPixels is readMatrix for images: every value must lie in [0, 1].
func readPixels(what string, addr uintptr, nbytes, r, c int) (*tensor.Dense, error) {
	x, err := readMatrix(what, addr, nbytes, r, c)
	if err != nil {
		return nil, err
	}
	for i, v := range x.Data {
		if !(v >= 0 && v <= 1) {
			return nil, invalid("%s: row %d, column %d is %v; pixel values must lie in [0, 1] (8-bit images: divide by 255)", what, i/c, i%c, v)
		}
	}
	return x, nil
}

// Preprocess writes logit(dequantise(pixels)) of the rows×cols float32
// pixel values in [0, 1] into out (float32, rows×cols), the noise drawn
// from seed as ddaebm.MNISTTestSet draws it: with the train command's
// evaluation seed this is exactly the set its test log-likelihood scores.
func Preprocess(pixelsAddr uintptr, pixelsBytes, rows, cols int, seed uint64, outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	x, err := readPixels("pixels", pixelsAddr, pixelsBytes, rows, cols)
	if err != nil {
		return err
	}
	return writeMatrix("logits", ddaebm.MNISTTestSet(x, seed), outAddr, outBytes)
}

// oodNames are the names of data.OODSets, in its order.
func oodNames() []string {
	var names []string
	for _, s := range data.OODSets(tensor.New(1, 1), rand.New(rand.NewPCG(0, 0))) {
		names = append(names, s.Name)
	}
	return names
}

// OODSetNames lists the sets OODSets writes, in its order, as a JSON list.
func OODSetNames() (names string, err error) {
	defer guard(&err)
	b, err := json.Marshal(oodNames())
	return string(b), err
}

// OODSets derives the out-of-distribution sets of evaluate ood from the
// rows×cols float32 pixel values in [0, 1] (data.OODSets, drawn from seed
// as the command draws them) and writes them, in the order of
// OODSetNames, into out: float32 of shape (sets, rows, cols), pixel space.
func OODSets(pixelsAddr uintptr, pixelsBytes, rows, cols int, seed uint64, outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	x, err := readPixels("pixels", pixelsAddr, pixelsBytes, rows, cols)
	if err != nil {
		return err
	}
	sets := data.OODSets(x, rand.New(rand.NewPCG(seed, 0)))
	out, err := view[float32]("OOD sets", outAddr, outBytes, len(sets)*rows*cols)
	if err != nil {
		return err
	}
	for i, s := range sets {
		dst := out[i*rows*cols : (i+1)*rows*cols]
		for j, v := range s.X.Data {
			dst[j] = float32(v)
		}
	}
	return nil
}

// LogLikelihood scores the rows (float32 rows×dim pixel values in [0, 1],
// rows ≥ 1) with the train mnist command's protocol: the pixels are
// dequantised with noise from seed and mapped through the logit
// (Preprocess), then scored under the normalised density exp(E(y, 0)) of
// the NICE_t energy. It returns the keys of the command's metrics.json as
// JSON: {"n", "test_ll_logit_nats", "test_ll_pixel_nats", "bits_per_dim"}.
// Only a model whose energy is a normalised density (the mnist-nice
// family) has one. c stops it (see
// Cancellation).
func (m *Model) LogLikelihood(c *Cancellation, pixelsAddr uintptr, pixelsBytes, rows int, seed uint64) (report string, err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return "", err
	}
	defer unlock()
	if !m.m.Traits().Density {
		return "", invalid("log-likelihood needs a normalised density: a model of type %q has none (want one of the families whose energy is a density, e.g. mnist-nice from train mnist)", m.m.Config.Model)
	}
	if rows < 1 {
		return "", invalid("log-likelihood needs at least one image, got %d", rows)
	}
	dim := m.m.Config.Dim
	if pixelsBytes != rows*dim*4 {
		return "", invalid("pixels: %d bytes are not %d float32 rows of the model's dimension %d", pixelsBytes, rows, dim)
	}
	x, err := readPixels("pixels", pixelsAddr, pixelsBytes, rows, dim)
	if err != nil {
		return "", err
	}
	r, err := m.m.TestLogLikelihood(c.context(), ddaebm.MNISTTestSet(x, seed))
	if err != nil {
		return "", err
	}
	return pyJSON(map[string]any{
		"n": r.N, "test_ll_logit_nats": r.LogitNats, "test_ll_pixel_nats": r.PixelNats, "bits_per_dim": r.BitsPerDim,
	}), nil
}

// OODScores runs the evaluate ood command's protocol and writes the score
// E(x, 0) of every point into out (float64), set after set: the
// in-distribution images (float32 rows×dim pixel values in [0, 1]), the
// sets of OODSetNames derived from them, the extra sets (float32 pixel
// values in [0, 1], their rows one after the other; extraRowsJSON lists
// each set's row count, "[]" for none), rows one-step fakes of the
// in-distribution images (the paper's Fig. 4) and rows samples of the
// model's generator. Everything random comes from one generator seeded with seed,
// drawn in the command's order (the OOD sets; the dequantisation of the
// in-distribution images, of each OOD set and of each extra set; the
// one-step fakes; the generator's samples), so the scores are the command's for the same
// images and seed. The pixels are mapped into the model's space
// (Model.Traits): an mnist-nice model sees logit(dequantised pixels), a
// toy model the pixels unchanged.
// c stops it (see Cancellation).
func (m *Model) OODScores(c *Cancellation, pixelsAddr uintptr, pixelsBytes, rows int, extraAddr uintptr, extraBytes int, extraRowsJSON string, seed uint64, outAddr uintptr, outBytes int) (err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return err
	}
	defer unlock()
	if rows < 1 {
		return invalid("OOD scores need at least one in-distribution image, got %d", rows)
	}
	var extraRows []int
	if err := json.Unmarshal([]byte(extraRowsJSON), &extraRows); err != nil {
		return invalid("extra set sizes %q are not a JSON list of integers", extraRowsJSON)
	}
	dim, total := m.m.Config.Dim, 0
	for i, r := range extraRows {
		if r < 1 {
			return invalid("extra set %d has %d rows; each needs at least one", i, r)
		}
		total += r
	}
	in, err := readPixels("in-distribution pixels", pixelsAddr, pixelsBytes, rows, dim)
	if err != nil {
		return err
	}
	all, err := readPixels("extra pixels", extraAddr, extraBytes, total, dim)
	if err != nil {
		return err
	}
	var extras []data.NamedSet
	for i, r := range extraRows {
		extras = append(extras, data.NamedSet{Name: fmt.Sprintf("extra %d", i), X: tensor.FromSlice(r, dim, all.Data[:r*dim])})
		all = tensor.FromSlice(all.R-r, dim, all.Data[r*dim:])
	}

	scored, err := m.m.ScoreOOD(c.context(), "mnist", in, extras, m.m.Traits().Space, ddaebm.RunningStats, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err
	}
	n := 0
	for _, s := range scored {
		n += len(s.Scores)
	}
	out, err := view[float64]("scores", outAddr, outBytes, n)
	if err != nil {
		return err
	}
	for _, s := range scored {
		out = out[copy(out, s.Scores):]
	}
	return nil
}

// StackedModes counts the StackedMNIST modes of n samples of the model,
// the evaluate modes command's protocol: samples drawn with seed and
// batch-norm statistics bnStats ("running" or "batch"), mapped to pixels,
// each channel labelled by the classifier saved at classifierPath (by
// evaluate classifier -out). Returns JSON {"n", "modes_covered",
// "kl_uniform", "kl_sampling_floor"}. c stops it (see Cancellation).
func (m *Model) StackedModes(c *Cancellation, classifierPath string, n int, seed uint64, bnStats string) (result string, err error) {
	defer guard(&err)
	unlock, err := m.lockPlaced()
	if err != nil {
		return "", err
	}
	defer unlock()
	if n < 1 {
		return "", invalid("mode counting needs n ≥ 1 samples, got %d", n)
	}
	bn, err := ddaebm.ParseBNStats(bnStats)
	if err != nil {
		return "", asValue(err)
	}
	if err := m.m.StackedMNISTModel(); err != nil {
		return "", asValue(err)
	}
	classifier, err := classify.Load(classifierPath)
	if err != nil {
		return "", err
	}
	samples, err := m.m.SampleWith(c.context(), n, rand.New(rand.NewPCG(seed, 0)), bn)
	if err != nil {
		return "", err
	}
	pixels, err := m.m.StackedMNISTPixels(samples, m.m.Traits().Space)
	if err != nil {
		return "", err
	}
	labels, err := classifier.StackedLabels(pixels)
	if err != nil {
		return "", err
	}
	covered, kl := metrics.LabelCoverage(labels, data.StackedMNISTClasses)
	return pyJSON(map[string]any{
		"n": n, "modes_covered": covered, "kl_uniform": kl,
		"kl_sampling_floor": metrics.UniformKLFloor(data.StackedMNISTClasses, n),
	}), nil
}
