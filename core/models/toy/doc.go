// Package toy is the "toy" network family: the fully connected energy,
// generator and encoder of the paper's Table 6 for low-dimensional data
// (the 2-D toy sets, or any N×D array). Importing it registers the family
// with core/models.
package toy
