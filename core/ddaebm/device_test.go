package ddaebm

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// cpu is the CPU everywhere; auto is the first GPU where the driver finds
// one and the CPU elsewhere; cuda is cuda:0 on a GPU machine and an error
// that says why elsewhere; anything else is refused.
func TestSelectDevice(t *testing.T) {
	gpuErr := cuda.Available()
	wantAuto := "cuda:0"
	if gpuErr != nil {
		wantAuto = "cpu"
	}
	for spec, want := range map[string]string{"cpu": "cpu", "auto": wantAuto} {
		if dev, err := SelectDevice(spec); err != nil || dev != want {
			t.Errorf("%s: device %q, error %v; want %q", spec, dev, err, want)
		}
	}
	for _, spec := range []string{"cuda", "cuda:0"} {
		dev, err := SelectDevice(spec)
		if gpuErr == nil {
			if err != nil || dev != "cuda:0" {
				t.Errorf("%s on a GPU machine: device %q, error %v", spec, dev, err)
			}
			continue
		}
		if err == nil || errors.Is(err, ErrDeviceSpec) || !strings.Contains(err.Error(), "no usable CUDA device") || !strings.Contains(err.Error(), spec) {
			t.Errorf("%s without a GPU: device %q, error %v; want an error naming the spec and saying there is no usable CUDA device", spec, dev, err)
		}
	}
	if _, err := SelectDevice("cuda:4096"); err == nil {
		t.Error("cuda:4096 accepted")
	}
	for _, spec := range []string{"gpu", "cuda:x", "cuda:-1", "CPU", ""} {
		if _, err := SelectDevice(spec); !errors.Is(err, ErrDeviceSpec) {
			t.Errorf("%q: %v, want ErrDeviceSpec", spec, err)
		}
	}
}

func TestUseDeviceRefusesWhatSelectDeviceDoesNotReturn(t *testing.T) {
	m, err := New(DefaultToyConfig("8gaussians"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.UseDevice("cpu"); err != nil {
		t.Errorf("cpu: %v", err)
	}
	for _, dev := range []string{"gpu", "cuda", "cuda:x"} {
		if err := m.UseDevice(dev); err == nil {
			t.Errorf("%q accepted", dev)
		}
	}
}
