package ddaebm

// Reseed restarts the random stream that draws batches, diffusion steps,
// latents and noise from seed, keeping weights, optimiser state and Step.
// It lets a caller that trains in several calls (the Python package's
// fit(seed=…)) make one call reproducible whatever ran before it. The
// restarted stream is part of the state the next checkpoint carries.
func (m *Model) Reseed(seed uint64) {
	// The same stream New starts from Config.Seed.
	m.pcg.Seed(seed, 0x9e3779b97f4a7c15)
}
