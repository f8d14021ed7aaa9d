package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/ddaebm/ddaebm/core/ddaebm"
)

// DeviceFlag defines the -device flag shared by the commands.
func DeviceFlag(flags *flag.FlagSet) *string {
	return flags.String("device", "auto", ddaebm.DeviceUsage)
}

// Device resolves a -device value with ddaebm.SelectDevice and prints its
// note, if any, on stderr. A malformed value is a usage error (exit 2); a
// well-formed one this machine cannot honour, such as cuda without a
// usable GPU, is a plain error (exit 1).
func Device(spec string) (string, error) {
	dev, note, err := ddaebm.SelectDevice(spec)
	if errors.Is(err, ddaebm.ErrDeviceSpec) {
		return "", Usagef("-device: %v", err)
	}
	if err != nil {
		return "", fmt.Errorf("-device: %w", err)
	}
	if note != "" {
		fmt.Fprintf(os.Stderr, "-device %s: %s\n", spec, note)
	}
	return dev, nil
}
