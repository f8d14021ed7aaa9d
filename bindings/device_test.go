package bindings

import (
	"testing"
)

func TestSelectDevice(t *testing.T) {
	for _, spec := range []string{"cpu", "auto"} {
		if dev, err := SelectDevice(spec); err != nil || dev != "cpu" {
			t.Errorf("%s: %q %v", spec, dev, err)
		}
	}
	_, err := SelectDevice("tpu")
	wantKind(t, err, KindValue, "want auto, cpu, cuda or cuda:N")
	if _, err := SelectDevice("cuda"); err == nil {
		t.Error("cuda accepted, but the model does not run on CUDA")
	}
}
