package ddaebm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/nn"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// chunkRows bounds the rows pushed through a network at once when sampling
// or scoring, so memory stays flat for any n; rowsPerChunk lowers it for
// networks whose rows are large (images).
const chunkRows = 4096

// chunkBytes bounds the memory of one chunk's forward pass.
const chunkBytes = 4 << 30

// rowsPerChunk is how many rows of net go through at once: chunkRows, or
// fewer where their forward pass would take more than chunkBytes.
func (c *Config) rowsPerChunk(net models.Size) int {
	perRow := c.forwardBytes(net, 1) - c.forwardBytes(net, 0)
	return max(1, min(chunkRows, int(chunkBytes/perRow)))
}

// BNStats names the statistics the generator's batch norm uses when
// sampling.
type BNStats string

const (
	// RunningStats are the averages kept during training, over batches
	// that mix all T steps: what the generator saw while it trained. The
	// default; on the toy sets it samples best (25gaussians, 20k
	// iterations: high-quality fraction 0.205 and 25 modes, against 0.046
	// and 24 with BatchStats).
	RunningStats BNStats = "running"
	// BatchStats are the statistics of the sampling batch, which is at
	// one step at a time: how the authors' release samples (its sampler
	// never puts the generator in evaluation mode). On MNIST it gives
	// varied digits where RunningStats gives one blurred shape (3.5 times
	// the spread of x̂0 across samples after 3 epochs).
	BatchStats BNStats = "batch"
)

// ParseBNStats reads "running" or "batch".
func ParseBNStats(s string) (BNStats, error) {
	switch b := BNStats(s); b {
	case RunningStats, BatchStats:
		return b, nil
	}
	return "", fmt.Errorf("batch-norm statistics %q are not known (want %s or %s)", s, RunningStats, BatchStats)
}

// Sample draws n samples with NFE = T and RunningStats (see SampleWith).
func (m *Model) Sample(ctx context.Context, n int, rng *rand.Rand) (*tensor.Dense, error) {
	return m.SampleWith(ctx, n, rng, RunningStats)
}

// SampleWith draws n samples with NFE = T: x_T ~ N(0, I), then for
// k = T−1 … 0 the generator's denoising step x_k = c1_k·G(x_{k+1}, z, k) +
// c2_k·x_{k+1} + √v_k·ε, without the noise at k = 0, with batch norm on
// the statistics bn names, with the generator weights SamplingWeights
// names. rng makes the draw reproducible independently of training.
// The model is left unchanged: with BatchStats, the running statistics
// are restored afterwards, and chains run in equal batches of at least
// minSampleBatch rows (more are drawn and dropped when n is smaller), so
// the statistics never come from a handful of rows. Chains run a chunk
// of rows at a time (rowsPerChunk). SampleWith returns ctx's error
// within one operation of ctx being done (autograd.Graph.StopOn), and
// the device's error, checked between chunks, once the device has failed.
// It reports its progress after each chunk to a WithWorkProgress context.
func (m *Model) SampleWith(ctx context.Context, n int, rng *rand.Rand, bn BNStats) (_ *tensor.Dense, err error) {
	defer m.graph.StopOn(ctx, &err)()
	if n < 1 {
		return nil, fmt.Errorf("sample: n must be positive, got %d", n)
	}
	if _, err := ParseBNStats(string(bn)); err != nil {
		return nil, err
	}
	_, gen, _ := networkSizes(&m.Config)
	d, chunk := m.Config.Dim, m.Config.rowsPerChunk(gen)
	if err := checkOutput(fmt.Sprintf("sampling %d points of dimension %d", n, d), n, d, floatBytes,
		m.Config.forwardBytes(gen, min(max(n, minSampleBatch), max(chunk, minSampleBatch)))); err != nil {
		return nil, err
	}
	defer m.withSamplingWeights()()
	out := tensor.New(n, d)
	if bn == RunningStats {
		for lo := 0; lo < n; lo += chunk {
			hi := min(n, lo+chunk)
			if err := m.sampleChunk(ctx, tensor.FromSlice(hi-lo, d, out.Data[lo*d:hi*d]), rng, false); err != nil {
				return nil, err
			}
			reportWork(ctx, hi, n)
		}
		return out, nil
	}
	defer m.restoreBuffers(nn.Buffers(m.Generator))()
	chunks := (n + chunk - 1) / chunk
	rows := max((n+chunks-1)/chunks, minSampleBatch)
	x := tensor.New(rows, d)
	for lo := 0; lo < n; lo += rows {
		if err := m.sampleChunk(ctx, x, rng, true); err != nil {
			return nil, err
		}
		copy(out.Data[lo*d:], x.Data[:min(rows, n-lo)*d])
		reportWork(ctx, min(n, lo+rows), n)
	}
	return out, nil
}

// minSampleBatch is the fewest chains SampleWith runs together with
// BatchStats.
const minSampleBatch = 128

// restoreBuffers saves the values of bufs on the host and returns the
// function that puts them back.
func (m *Model) restoreBuffers(bufs []nn.Buffer) func() {
	saved := make([]*tensor.Dense, len(bufs))
	for i, b := range bufs {
		saved[i] = tensor.New(b.Value.R, b.Value.C)
		m.be.Download(saved[i], b.Value)
	}
	return func() {
		for i, b := range bufs {
			m.be.Upload(b.Value, saved[i])
		}
	}
}

// sampleChunk runs x.R chains and writes their ends into the host matrix
// x. Each step starts from a fresh graph, the chains' state kept in
// m.chain, so the memory does not grow with T; ctx is checked before
// every step.
func (m *Model) sampleChunk(ctx context.Context, x *tensor.Dense, rng *rand.Rand, batchStats bool) error {
	g := m.graph
	defer g.Reset()
	b, cfg := x.R, &m.Config
	if m.chain == nil || m.chain.R != b {
		m.chain = m.be.Alloc(b, cfg.Dim)
	}
	k := make([]int, b)
	for step := cfg.T - 1; step >= 0; step-- {
		if err := m.interrupted(ctx); err != nil {
			return err
		}
		g.Reset()
		g.SetRecord(false)
		var xk1 *autograd.Node
		if step == cfg.T-1 {
			xk1 = g.Normal(b, cfg.Dim, rng.Uint64())
		} else {
			xk1 = g.Const(m.chain)
		}
		for i := range k {
			k[i] = step
		}
		x0 := m.Generator.Forward(g, xk1, m.latent(g, b, rng), k, batchStats)
		if step > 0 {
			xk1 = m.Schedule.PosteriorSample(g, x0, xk1, k, g.Normal(b, cfg.Dim, rng.Uint64()))
		} else {
			xk1 = m.Schedule.PosteriorMean(g, x0, xk1, k)
		}
		m.be.Copy(m.chain, xk1.Value)
	}
	m.be.Download(x, m.chain)
	return m.backendErr()
}

// interrupted is the check made between chunks of work: ctx's error once
// it is done, else the device's error once it has failed.
func (m *Model) interrupted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.backendErr()
}

// EnergyAt returns E(x_i, k) for every row of x (float64, one per row),
// with the energy weights ScoringWeights names, a chunk of rows at a time
// (rowsPerChunk); it returns ctx's error within one operation of ctx
// being done, and the device's error once the device has failed.
func (m *Model) EnergyAt(ctx context.Context, x *tensor.Dense, k int) (_ []float64, err error) {
	defer m.graph.StopOn(ctx, &err)()
	if x.C != m.Config.Dim {
		return nil, fmt.Errorf("energy: points have %d columns, the model has dimension %d", x.C, m.Config.Dim)
	}
	if k < 0 || k >= m.Config.T {
		return nil, fmt.Errorf("energy: step k = %d outside 0..%d", k, m.Config.T-1)
	}
	energy, _, _ := networkSizes(&m.Config)
	chunk := m.Config.rowsPerChunk(energy)
	if err := checkOutput(fmt.Sprintf("scoring %d points", x.R), x.R, 1, 8, m.Config.forwardBytes(energy, min(x.R, chunk))); err != nil {
		return nil, err
	}
	defer m.withScoringWeights()()
	out := make([]float64, x.R)
	g := m.graph
	defer g.Reset()
	d := x.C
	ks := make([]int, min(x.R, chunk))
	for i := range ks {
		ks[i] = k
	}
	for lo := 0; lo < x.R; lo += chunk {
		if err := m.interrupted(ctx); err != nil {
			return nil, err
		}
		hi := min(x.R, lo+chunk)
		g.Reset()
		g.SetRecord(false)
		e := m.Energy.Forward(g, g.ConstHost(tensor.FromSlice(hi-lo, d, x.Data[lo*d:hi*d])), ks[:hi-lo])
		for i, v := range g.HostValue(e).Data {
			out[lo+i] = float64(v)
		}
		// A failed device leaves zeros or garbage: report it, not them.
		if err := m.backendErr(); err != nil {
			return nil, err
		}
		for i := lo; i < hi; i++ {
			if math.IsNaN(out[i]) {
				return nil, fmt.Errorf("energy: NaN at point %d (input %v)", i, x.Row(i))
			}
		}
	}
	return out, nil
}

// OneStepFakes are the fakes of the paper's Fig. 4: each row of x0 (in
// model space) diffused one step, x_1 ~ q(x_1 | x_0), and denoised by the
// generator, x'_0 = c1_0·G(x_1, z, 0) + c2_0·x_1, the sampler's last step.
// They sit much closer to the data than samples of the full chain, so
// they test whether the energy sees the generator's small errors. bn
// chooses the batch-norm statistics and SamplingWeights the generator
// weights, as in SampleWith; the model is left unchanged.
func (m *Model) OneStepFakes(ctx context.Context, x0 *tensor.Dense, rng *rand.Rand, bn BNStats) (_ *tensor.Dense, err error) {
	defer m.graph.StopOn(ctx, &err)()
	if x0.C != m.Config.Dim || x0.R < 1 {
		return nil, fmt.Errorf("one-step fakes: images are %d×%d, want at least one row of %d values", x0.R, x0.C, m.Config.Dim)
	}
	if _, err := ParseBNStats(string(bn)); err != nil {
		return nil, err
	}
	_, gen, _ := networkSizes(&m.Config)
	chunk := m.Config.rowsPerChunk(gen)
	if err := checkOutput(fmt.Sprintf("one-step fakes of %d points", x0.R), x0.R, x0.C, floatBytes, m.Config.forwardBytes(gen, min(x0.R, chunk))); err != nil {
		return nil, err
	}
	defer m.withSamplingWeights()()
	if bn == BatchStats {
		defer m.restoreBuffers(nn.Buffers(m.Generator))()
	}
	d := m.Config.Dim
	out := tensor.New(x0.R, d)
	chunks := (x0.R + chunk - 1) / chunk
	rows := (x0.R + chunks - 1) / chunks
	g := m.graph
	defer g.Reset()
	for lo := 0; lo < x0.R; lo += rows {
		if err := m.interrupted(ctx); err != nil {
			return nil, err
		}
		hi := min(x0.R, lo+rows)
		b := hi - lo
		k := make([]int, b) // all at step 0
		g.Reset()
		g.SetRecord(false)
		_, xk1 := m.Schedule.Pair(g, g.ConstHost(tensor.FromSlice(b, d, x0.Data[lo*d:hi*d])), k, rng.Uint64(), rng.Uint64())
		fake := m.Schedule.PosteriorMean(g, m.Generator.Forward(g, xk1, m.latent(g, b, rng), k, bn == BatchStats), xk1, k)
		copy(out.Data[lo*d:hi*d], g.HostValue(fake).Data)
	}
	if err := m.backendErr(); err != nil {
		return nil, err
	}
	return out, nil
}
