package ddaebm

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// On every machine cpu and auto resolve to the CPU; cuda is an error that
// says why, whether or not a GPU is present; anything else is refused.
func TestSelectDevice(t *testing.T) {
	for _, spec := range []string{"cpu", "auto"} {
		dev, err := SelectDevice(spec)
		if err != nil || dev != "cpu" {
			t.Errorf("%s: device %q, error %v", spec, dev, err)
		}
	}
	gpuErr := cuda.Available()
	for _, spec := range []string{"cuda", "cuda:0"} {
		_, err := SelectDevice(spec)
		if err == nil {
			t.Fatalf("%s: accepted, but the model cannot run on CUDA", spec)
		}
		want := "no usable CUDA device"
		if gpuErr == nil {
			want = ErrNoCUDATraining.Error()
		}
		if errors.Is(err, ErrDeviceSpec) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), spec) {
			t.Errorf("%s: %v; want it to name the spec and say %q", spec, err, want)
		}
	}
	for _, spec := range []string{"gpu", "cuda:x", "cuda:-1", "CPU", ""} {
		if _, err := SelectDevice(spec); !errors.Is(err, ErrDeviceSpec) {
			t.Errorf("%q: %v, want ErrDeviceSpec", spec, err)
		}
	}
}
