package ddaebm

import (
	"fmt"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/memlimit"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// Memory estimates, in bytes, for the sizes a user or a file controls,
// checked with memlimit before anything is allocated: Go cannot recover
// from running out of memory, and in Python that would take the
// interpreter down. They are upper bounds by design (TestMemoryEstimates
// measures the step memory against them); float64 arithmetic keeps
// products of absurd sizes from wrapping.

// floatBytes is the size of one tensor element (4, or 8 with -tags f64).
const floatBytes = float64(unsafe.Sizeof(tensor.Float(0)))

const (
	// stateCopies is how many values the model keeps per parameter: the
	// value, its gradient, two Adam moments and the weight average.
	stateCopies = 5
	// stepCopiesPerValue bounds the step memory proportional to the
	// parameters (weight gradients recorded as graph values, transposed
	// and packed copies).
	stepCopiesPerValue = 4
	// stepValuesPerWidth bounds the values a training step keeps per unit
	// of layer width and example: the forward passes of all three
	// networks at real and fake pairs, the penalty's recorded gradient,
	// and the backward passes, which reuse the memory of values they have
	// passed on (measured: 6–12).
	stepValuesPerWidth = 16
	// forwardValuesPerWidth is the same for a forward pass without a
	// gradient (sampling, scoring).
	forwardValuesPerWidth = 8
	// baseBytes covers what does not scale with the sizes.
	baseBytes = 64 << 20
)

// modelBytes is the memory a model of cfg keeps: parameters with their
// gradients, optimiser moments and weight average, batch-norm statistics,
// step tables and the schedule.
func (c *Config) modelBytes() float64 {
	e, g, q := networkSizes(c)
	return baseBytes + floatBytes*stateCopies*(e.Values+g.Values+q.Values) + 8*16*float64(c.T)
}

// stepBytes is the extra memory of training steps on batches of b rows.
func (c *Config) stepBytes(b int) float64 {
	e, g, q := networkSizes(c)
	all := e.Plus(g).Plus(q)
	rows := float64(b)
	return floatBytes*(stepCopiesPerValue*all.Values+stepValuesPerWidth*(rows*all.Width+all.StepRows)) +
		floatBytes*rows*float64(c.Dim)*4 + 8*rows
}

// forwardBytes is the memory of a forward pass of net on rows examples
// at once (sampling or scoring).
func (c *Config) forwardBytes(net models.Size, rows int) float64 {
	return floatBytes * forwardValuesPerWidth * (float64(rows)*(net.Width+2*float64(c.Dim)) + net.StepRows)
}

// describe names a configuration's sizes in messages.
func (c *Config) describe() string {
	family, _ := c.family()
	return fmt.Sprintf("a %s model with dim %d, %s, z-dim %d and T %d", c.Model, c.Dim, family.Describe(c.spec()), c.ZDim, c.T)
}

// checkModelMemory refuses a configuration whose model does not fit.
func (c *Config) checkModelMemory() error {
	return memlimit.Check(c.describe(), c.modelBytes())
}

// checkStepMemory refuses training steps on b rows that do not fit.
func (c *Config) checkStepMemory(b int) error {
	return memlimit.Check(fmt.Sprintf("training %s on batches of %d", c.describe(), b), c.stepBytes(b))
}

// checkOutput refuses work whose result alone, rows×cols values of the
// given size, does not fit, plus extra bytes of working memory.
func checkOutput(what string, rows, cols int, valueBytes, extra float64) error {
	return memlimit.Check(what, float64(rows)*float64(cols)*valueBytes+extra)
}
