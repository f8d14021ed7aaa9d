package bindings

import (
	"errors"

	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// SelectDevice resolves a device choice (auto, cpu, cuda or cuda:N) with
// ddaebm.SelectDevice and returns the device to use. A
// malformed choice is a ValueError; one this machine cannot honour, such
// as cuda without a usable GPU, an Error saying why.
func SelectDevice(spec string) (device string, err error) {
	defer guard(&err)
	dev, err := ddaebm.SelectDevice(spec)
	if errors.Is(err, ddaebm.ErrDeviceSpec) {
		return "", asValue(err)
	}
	if err != nil {
		return "", err
	}
	return dev, nil
}
