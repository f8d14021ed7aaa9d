package plot

import (
	"image/color"
	"math"
)

// viridisStops samples matplotlib's viridis at 0, 0.1, …, 1. Viridis is
// perceptually uniform and reads correctly in greyscale, so density contrasts
// in a heatmap look as large as they are.
var viridisStops = [...][3]float64{
	{68, 1, 84}, {72, 36, 117}, {65, 68, 135}, {53, 95, 141}, {42, 120, 142},
	{33, 145, 140}, {34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38},
	{253, 231, 37},
}

// viridis maps t in [0, 1] (clamped) to a colour, interpolating linearly
// between the stops.
func viridis(t float64) color.RGBA {
	t = min(max(t, 0), 1) * float64(len(viridisStops)-1)
	i := min(int(t), len(viridisStops)-2)
	frac := t - float64(i)
	var c [3]uint8
	for k := range c {
		c[k] = uint8(math.Round(viridisStops[i][k] + frac*(viridisStops[i+1][k]-viridisStops[i][k])))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}
