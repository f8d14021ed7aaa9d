package bindings

import (
	"path/filepath"

	"github.com/ddaebm/ddaebm/core/data"
)

// Dataset is training data as the train command reads its -data file:
// converted by data.DatasetFromArray, whether it comes from a .npy file
// (ReadDataset) or from an array (NewDataset).
type Dataset struct {
	d *data.Dataset
	// path is the absolute path of the file it was read from; "" for an
	// array.
	path string
}

// ReadDataset reads the .npy file at path as train -data does.
func ReadDataset(path string) (ds *Dataset, err error) {
	defer guard(&err)
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	d, err := data.ReadDataset(path)
	if err != nil {
		return nil, err
	}
	return &Dataset{d: d, path: abs}, nil
}

// NewDataset converts nbytes at addr, an array of numpy's dtype name and
// the given shape (a JSON list), into a Dataset. Dtypes outside
// data.CheckDatasetDtype are refused before the memory is read, with the
// message the train command gives for such a file.
func NewDataset(dtype, shapeJSON string, addr uintptr, nbytes int) (ds *Dataset, err error) {
	defer guard(&err)
	if err := data.CheckDatasetDtype(dtype); err != nil {
		return nil, invalid("training data: %v", err)
	}
	arr, err := copyArray(dtype, shapeJSON, addr, nbytes)
	if err != nil {
		return nil, err
	}
	d, err := data.DatasetFromArray(arr)
	if err != nil {
		return nil, invalid("training data: %v", err)
	}
	return &Dataset{d: d}, nil
}

func (ds *Dataset) check() error {
	if ds == nil || ds.d == nil {
		return invalid("empty Dataset: make one with ReadDataset or NewDataset")
	}
	return nil
}
