package ddaebm

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// DeviceUsage describes the values SelectDevice accepts, for flag help.
const DeviceUsage = "where to compute: auto (the first CUDA GPU when one is usable, else the CPU), cpu, or cuda[:N] (GPU N, numbered from 0)"

// ErrDeviceSpec marks a device string that is not one of the accepted
// forms, as opposed to a valid choice this machine cannot honour.
var ErrDeviceSpec = errors.New("want auto, cpu, cuda or cuda:N")

// SelectDevice is the one place that decides where models compute. It
// resolves spec (auto, cpu, cuda or cuda:N) to "cpu" or "cuda:N": auto
// is cuda:0 when the CUDA driver finds a GPU and the CPU otherwise; cuda
// and cuda:N are errors that say why when this machine cannot honour
// them (no usable GPU, with the driver's reason, or an ordinal beyond
// the GPUs present).
func SelectDevice(spec string) (string, error) {
	switch {
	case spec == "cpu":
		return "cpu", nil
	case spec == "auto":
		if cuda.Available() != nil {
			return "cpu", nil
		}
		if n, err := cuda.DeviceCount(); err != nil || n == 0 {
			return "cpu", nil
		}
		return "cuda:0", nil
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
		return fmt.Sprintf("cuda:%d", ordinal), nil
	}
	return "", fmt.Errorf("device %q is not known (%w)", spec, ErrDeviceSpec)
}

// UseDevice moves the model to device, a value SelectDevice returned:
// "cpu" leaves it where it is, "cuda:N" opens GPU N and moves the model
// there (see UseBackend). The model owns that device context: when the
// model is no longer reachable, the context, and with it every device
// matrix of the model, is released.
func (m *Model) UseDevice(device string) error {
	if device == "cpu" {
		return nil
	}
	n, ok := strings.CutPrefix(device, "cuda:")
	ordinal, err := strconv.Atoi(n)
	if !ok || err != nil {
		return fmt.Errorf("device %q: want cpu or cuda:N (from SelectDevice)", device)
	}
	dev, err := cuda.Open(ordinal)
	if err != nil {
		return fmt.Errorf("device %s: %w", device, err)
	}
	if err := m.UseBackend(cuda.NewBackend(dev)); err != nil {
		dev.Close()
		return fmt.Errorf("device %s (%s): %w", device, dev.Name(), err)
	}
	runtime.AddCleanup(m, func(d *cuda.Device) { d.Close() }, dev)
	return nil
}
