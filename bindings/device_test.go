package bindings

import (
	"testing"

	"github.com/ddaebm/ddaebm/core/cuda"
)

func TestSelectDevice(t *testing.T) {
	if dev, err := SelectDevice("cpu"); err != nil || dev != "cpu" {
		t.Errorf("cpu: %q %v", dev, err)
	}
	_, err := SelectDevice("tpu")
	wantKind(t, err, KindValue, "want auto, cpu, cuda or cuda:N")
	if cuda.Available() != nil {
		if dev, err := SelectDevice("auto"); err != nil || dev != "cpu" {
			t.Errorf("auto without a GPU: %q %v", dev, err)
		}
		_, err := SelectDevice("cuda")
		wantKind(t, err, KindError, "no usable CUDA device")
	}
}
