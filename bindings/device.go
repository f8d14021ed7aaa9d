package bindings

import (
	"encoding/json"
	"errors"

	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// SelectDevice resolves a device choice (auto, cpu, cuda or cuda:N) with
// ddaebm.SelectDevice and returns JSON {"device": …, "note": …}. A
// malformed choice is a ValueError; one this machine cannot honour, such
// as cuda without a usable GPU, an Error saying why.
func SelectDevice(spec string) (result string, err error) {
	defer guard(&err)
	dev, note, err := ddaebm.SelectDevice(spec)
	if errors.Is(err, ddaebm.ErrDeviceSpec) {
		return "", asValue(err)
	}
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]string{"device": dev, "note": note})
	return string(b), err
}
