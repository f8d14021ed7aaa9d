// Package optim holds the optimiser (Adam) and the exponential moving
// average of weights that DDAEBM training uses.
package optim
