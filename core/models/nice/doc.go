// Package nice is the "mnist-nice" network family of the paper's MNIST
// experiments (§4.2, Table 7; docs/ALGORITHM.md §7): the NICE_t energy,
// a normalised density with an exact inverse, and the fully connected
// generator and encoder of Table 7. Importing it registers the family
// with core/models.
package nice
