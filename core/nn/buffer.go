package nn

import "github.com/ddaebm/ddaebm/core/tensor"

// Buffer is persistent, non-trainable state (batch-norm running
// statistics) that a checkpoint must carry along with the parameters.
type Buffer struct {
	Name  string
	Value *tensor.Dense
}
