// Package cli holds what the ddaebm commands share: the progress line,
// exit codes, and the files a run writes (arrays, pictures, metrics).
package cli
