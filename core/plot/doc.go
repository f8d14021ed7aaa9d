// Package plot writes the project's figures as PNG files: density heatmaps,
// sample scatter plots, learning curves and score histograms.
//
// It draws pixels directly with the standard image packages (plus the 7×13
// bitmap font of golang.org/x/image for titles, legends and axis ranges), so
// the Go binaries produce figures without Python or any plotting library.
// Text is ASCII; the few non-ASCII signs that titles tend to contain (−, ×,
// en and em dashes) are drawn as their ASCII look-alikes and anything else
// as a replacement box. Every file is written to a temporary name and renamed
// into place, so a reader (a notebook polling for the latest plot) never sees
// a half-written image.
package plot
