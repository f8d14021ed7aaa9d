package memlimit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for s, want := range map[string]float64{
		"1000": 1000, "8G": 8 << 30, "8GiB": 8 << 30, "8 gb": 8 << 30, "1.5k": 1536, "2T": 2 << 40, "3M": 3 << 20,
	} {
		if got, err := ParseBytes(s); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "G", "-1G", "0", "NaN", "Inf", "12X", "lots"} {
		if _, err := ParseBytes(s); err == nil {
			t.Errorf("ParseBytes(%q) accepted", s)
		}
	}
}

func TestCheckAgainstTheEnvironmentLimit(t *testing.T) {
	t.Setenv(EnvVar, "1M")
	if err := Check("a small thing", 1<<20); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	err := Check("sampling 2000000000000 points", 16e12)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("16 TB under a 1 MiB limit: got %v", err)
	}
	for _, want := range []string{"sampling 2000000000000 points", "14.6 TiB", "1.0 MiB", EnvVar} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if err := Check("nonsense", -1); err == nil {
		t.Error("a negative estimate passed")
	}
	t.Setenv(EnvVar, "plenty")
	if err := Check("anything", 1); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("a malformed %s: got %v", EnvVar, err)
	}
}

func TestLimitFromTheSystem(t *testing.T) {
	limit, source, err := Limit()
	if err != nil || !(limit > 0) || source == "" {
		t.Fatalf("Limit() = %v, %q, %v", limit, source, err)
	}
	t.Logf("limit %s from %s", FormatBytes(limit), source)
}

func ExampleCheck() {
	// A limit of 1 GiB, as DDAEBM_MEMORY_LIMIT=1G sets it.
	err := (&TooLargeError{What: "a 100000×100000 float32 matrix", Need: 4e10, Limit: 1 << 30, Source: EnvVar})
	fmt.Println(err)
	// Output: a 100000×100000 float32 matrix needs about 37.3 GiB of memory, more than the 1.0 GiB that DDAEBM_MEMORY_LIMIT allows
}
