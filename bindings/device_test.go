package bindings

import (
	"strings"
	"testing"
)

func TestSelectDevice(t *testing.T) {
	js, err := SelectDevice("cpu")
	if err != nil || !strings.Contains(js, `"device":"cpu"`) {
		t.Errorf("cpu: %s %v", js, err)
	}
	_, err = SelectDevice("tpu")
	wantKind(t, err, KindValue, "want auto, cpu, cuda or cuda:N")
	if _, err := SelectDevice("cuda"); err == nil {
		t.Error("cuda accepted, but the model does not run on CUDA")
	}
}
