package ddaebm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// DeviceUsage describes the values SelectDevice accepts, for flag help.
const DeviceUsage = "where to compute: auto (the CPU in this version; a GPU once the model runs on CUDA), cpu, or cuda[:N]"

// ErrNoCUDATraining is the reason -device cuda is refused on a machine
// whose GPU is usable: core/cuda runs matrix products and kernels, but
// the training step, sampling and scoring are not yet wired to it.
var ErrNoCUDATraining = errors.New("training, sampling and scoring run on the CPU only in this version (core/cuda provides GPU matrix products and kernels, not yet the model); use -device cpu or auto")

// ErrDeviceSpec marks a device string that is not one of the accepted
// forms, as opposed to a valid choice this machine cannot honour.
var ErrDeviceSpec = errors.New("want auto, cpu, cuda or cuda:N")

// SelectDevice is the one place that decides where models compute. It
// resolves spec (auto, cpu, cuda or cuda:N) to the device to use: "cpu"
// in this version, for auto without probing the driver, since no model
// computes on a GPU yet. cuda and cuda:N are errors that say why: no
// usable GPU (with the driver's reason), an ordinal beyond the GPUs
// present, or ErrNoCUDATraining.
func SelectDevice(spec string) (string, error) {
	switch {
	case spec == "cpu" || spec == "auto":
		return "cpu", nil
	case spec == "cuda" || strings.HasPrefix(spec, "cuda:"):
		ordinal := 0
		if n, ok := strings.CutPrefix(spec, "cuda:"); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return "", fmt.Errorf("device %q: the GPU number after cuda: must be an integer ≥ 0 (%w)", spec, ErrDeviceSpec)
			}
			ordinal = v
		}
		if err := cuda.Available(); err != nil {
			return "", fmt.Errorf("device %q: no usable CUDA device: %w", spec, err)
		}
		count, err := cuda.DeviceCount()
		if err != nil {
			return "", fmt.Errorf("device %q: %w", spec, err)
		}
		if ordinal >= count {
			return "", fmt.Errorf("device %q: this machine has %d CUDA device(s), numbered from 0", spec, count)
		}
		return "", fmt.Errorf("device %q: %w", spec, ErrNoCUDATraining)
	}
	return "", fmt.Errorf("device %q is not known (%w)", spec, ErrDeviceSpec)
}
