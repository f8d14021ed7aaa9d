package memlimit

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// EnvVar names the environment variable that sets the limit explicitly.
const EnvVar = "DDAEBM_MEMORY_LIMIT"

// DefaultLimit is the limit where the system does not say how much memory
// is available (not Linux, no /proc): 16 GiB, a laptop's worth.
const DefaultLimit = 16 << 30

// Limit returns the bytes the process may still allocate and where that
// figure comes from, for messages.
func Limit() (bytes float64, source string, err error) {
	if s, ok := os.LookupEnv(EnvVar); ok {
		v, err := ParseBytes(s)
		if err != nil {
			return 0, "", fmt.Errorf("%s=%q: %w", EnvVar, s, err)
		}
		return v, EnvVar, nil
	}
	avail, ok := memAvailable()
	if !ok {
		return DefaultLimit, "the default limit (the system does not report its available memory)", nil
	}
	source = "MemAvailable in /proc/meminfo"
	if c, ok := cgroupRoom(); ok && c < avail {
		avail, source = c, "the cgroup's memory.max less its usage"
	}
	return avail, source, nil
}

// Check returns an error when a piece of work, described by what (e.g.
// "sampling 2000000000000 points"), needs more than Limit bytes. need is
// a float64 so that products of sizes near the int range cannot wrap.
func Check(what string, need float64) error {
	if !(need >= 0) {
		return fmt.Errorf("%s: the memory it needs cannot be computed (%v bytes)", what, need)
	}
	limit, source, err := Limit()
	if err != nil {
		return err
	}
	if need <= limit {
		return nil
	}
	return &TooLargeError{What: what, Need: need, Limit: limit, Source: source}
}

// TooLargeError is the error of Check.
type TooLargeError struct {
	What        string
	Need, Limit float64
	Source      string
}

func (e *TooLargeError) Error() string {
	if e.Source == EnvVar {
		return fmt.Sprintf("%s needs about %s of memory, more than the %s that %s allows",
			e.What, FormatBytes(e.Need), FormatBytes(e.Limit), EnvVar)
	}
	return fmt.Sprintf("%s needs about %s of memory, more than the %s available (%s; %s sets another limit)",
		e.What, FormatBytes(e.Need), FormatBytes(e.Limit), e.Source, EnvVar)
}

// FormatBytes writes n in binary units: 512 B, 1.5 KiB, 16.0 TiB.
func FormatBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}

// ParseBytes reads a byte count with an optional K, M, G or T suffix
// (powers of 1024; "KiB", "GB" and the like are read the same way).
func ParseBytes(s string) (float64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := 1.0
	if n := len(t); n > 0 {
		if p := strings.IndexByte("KMGT", t[n-1]); p >= 0 {
			mult = math.Pow(1024, float64(p+1))
			t = strings.TrimSpace(t[:n-1])
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a positive number of bytes, optionally with a K, M, G or T suffix, e.g. 8G")
	}
	return v * mult, nil
}

// memAvailable reads MemAvailable (kB) from /proc/meminfo.
func memAvailable() (float64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// cgroupRoom is the room left under this process's cgroup memory limit,
// when one is set: memory.max − memory.current (cgroup v2) or
// memory.limit_in_bytes − memory.usage_in_bytes (v1). A container sees
// its own cgroup at the mount's root, so the root is tried after the
// path /proc/self/cgroup names.
func cgroupRoom() (float64, bool) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dirs []string
		var limitFile, usageFile string
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			dirs = []string{"/sys/fs/cgroup" + parts[2], "/sys/fs/cgroup"}
			limitFile, usageFile = "memory.max", "memory.current"
		case slices.Contains(strings.Split(parts[1], ","), "memory"): // v1
			dirs = []string{"/sys/fs/cgroup/memory" + parts[2], "/sys/fs/cgroup/memory"}
			limitFile, usageFile = "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		for _, dir := range dirs {
			limit, ok1 := readNumber(dir + "/" + limitFile) // "max" (v2) when unlimited
			used, ok2 := readNumber(dir + "/" + usageFile)
			if ok1 && ok2 {
				return max(0, limit-used), true
			}
		}
	}
	return 0, false
}

func readNumber(path string) (float64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	return v, err == nil
}
