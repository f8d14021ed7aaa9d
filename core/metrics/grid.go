package metrics

import (
	"fmt"
	"math"
)

// EnergyFunc returns the energy E at each of the points (row-major n×2); the
// model density is p̂(x) ∝ exp(E(x)). The slice it is given is reused after it
// returns, so it must not keep it. An error (a failed device, a cancelled
// context) ends the metric that called it with that error.
type EnergyFunc func(points []float64) ([]float64, error)

// energyChunk bounds how many points one EnergyFunc call sees, so that a fine
// grid or a large test set never needs the model's activations for all of
// its points at once.
const energyChunk = 10000

// Grid is a model density normalised on the cells of [−Lim, Lim]².
type Grid struct {
	Lim float64
	N   int
	// LogZ is the log normaliser log Σ_cells exp(E)·Δ², Δ = 2·Lim/N.
	LogZ float64
	// LogP is log p̂ = E − LogZ at the cell centres, N×N row-major: row i is
	// y = −Lim + (i+½)·Δ (bottom row first), column j is x likewise.
	LogP []float64
}

// CellWidth is the side Δ of a grid cell.
func (g Grid) CellWidth() float64 { return 2 * g.Lim / float64(g.N) }

// centre is the coordinate of the centre of cell index i along either axis.
func (g Grid) centre(i int) float64 { return -g.Lim + (float64(i)+0.5)*g.CellWidth() }

// NewGrid evaluates e at the centres of an n×n grid over [−lim, lim]² and
// normalises exp(E) on it. Mass outside the square is ignored, so lim should
// hold essentially all of the data (data.ToyLimit). The first error of e
// is returned.
func NewGrid(e EnergyFunc, lim float64, n int) (Grid, error) {
	if !(lim > 0) || math.IsInf(lim, 0) || n <= 0 {
		panic(fmt.Sprintf("metrics: grid over [−%g, %g]² with %d cells a side", lim, lim, n))
	}
	g := Grid{Lim: lim, N: n, LogP: make([]float64, n*n)}
	points := make([]float64, 0, 2*min(energyChunk, n*n))
	for start := 0; start < n*n; start += energyChunk {
		end := min(start+energyChunk, n*n)
		points = points[:0]
		for cell := start; cell < end; cell++ {
			points = append(points, g.centre(cell%n), g.centre(cell/n))
		}
		energies, err := callEnergy(e, points)
		if err != nil {
			return Grid{}, err
		}
		copy(g.LogP[start:end], energies)
	}
	g.LogZ = logSumExp(g.LogP) + 2*math.Log(g.CellWidth())
	for i := range g.LogP {
		g.LogP[i] -= g.LogZ
	}
	return g, nil
}

// GridNLL is the mean negative log-likelihood of the test points (n×2) under
// the grid-normalised model: −mean(E(x) − LogZ), with E taken at the exact
// points rather than at their cells. The first error of e is returned.
func GridNLL(g Grid, e EnergyFunc, test []float64) (float64, error) {
	checkPoints("test points", test, 2)
	sum := 0.0
	for start := 0; start < len(test); start += 2 * energyChunk {
		energies, err := callEnergy(e, test[start:min(start+2*energyChunk, len(test))])
		if err != nil {
			return 0, err
		}
		for _, energy := range energies {
			sum += energy - g.LogZ
		}
	}
	return -sum / float64(len(test)/2), nil
}

// KLGrid is KL(p_data ‖ p̂) summed over the grid's cells, with the data
// density exp(logTrue) normalised on the same cells (Σ p_data·Δ² = 1), so a
// truncated or coarsely resolved density is compared like for like.
func KLGrid(g Grid, logTrue func(x, y float64) float64) float64 {
	logData := make([]float64, len(g.LogP))
	for cell := range logData {
		logData[cell] = logTrue(g.centre(cell%g.N), g.centre(cell/g.N))
	}
	// Cell masses are p·Δ², so the Δ² of both densities cancels in the ratio.
	logNorm := logSumExp(logData)
	logCell := 2 * math.Log(g.CellWidth())
	kl := 0.0
	for cell, l := range logData {
		logMass := l - logNorm
		if math.IsInf(logMass, -1) {
			continue // no data mass here: 0·log 0 = 0
		}
		kl += math.Exp(logMass) * (logMass - logCell - g.LogP[cell])
	}
	return kl
}

// callEnergy calls e and checks that it answered for every point.
func callEnergy(e EnergyFunc, points []float64) ([]float64, error) {
	energies, err := e(points)
	if err != nil {
		return nil, err
	}
	if len(energies) != len(points)/2 {
		panic(fmt.Sprintf("metrics: energy function returned %d values for %d points", len(energies), len(points)/2))
	}
	return energies, nil
}

// logSumExp is log Σ exp(v), shifted by the maximum so that large energies
// do not overflow.
func logSumExp(v []float64) float64 {
	maxV := math.Inf(-1)
	for _, x := range v {
		maxV = max(maxV, x)
	}
	// All −Inf (no mass anywhere) or a +Inf (no finite normaliser): the
	// shift would give NaN, and the maximum is already the answer. A NaN
	// energy makes maxV NaN and so the result.
	if math.IsInf(maxV, 0) {
		return maxV
	}
	sum := 0.0
	for _, x := range v {
		sum += math.Exp(x - maxV)
	}
	return maxV + math.Log(sum)
}

// checkPoints panics unless v holds whole points of dimension dim.
func checkPoints(what string, v []float64, dim int) {
	if dim <= 0 || len(v)%dim != 0 {
		panic(fmt.Sprintf("metrics: %s: %d values are not points of dimension %d", what, len(v), dim))
	}
}
