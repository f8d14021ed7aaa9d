package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary builds the command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "train")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runCmd(bin string, args ...string) (stderr string, code int) {
	cmd := exec.Command(bin, args...)
	var buf bytes.Buffer
	cmd.Stderr = &buf
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return buf.String(), ee.ExitCode()
	}
	return buf.String(), 0
}

// Small, fast networks for the command-level tests.
var small = []string{"-hidden", "32", "-batch", "64", "-eval-samples", "500", "-quiet"}

func TestExitCodesAndMessages(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
		{[]string{"-data", "moons", "-out", dir}, 2, `unknown toy set "moons"`},
		{[]string{"-lr", "0", "-out", dir}, 2, "lr must be"},
		{[]string{"-device", "cuda", "-out", dir}, 1, "-device: device \"cuda\""},
		{[]string{"-device", "tpu", "-out", dir}, 2, "want auto, cpu, cuda or cuda:N"},
		{[]string{"-resume", "-out", filepath.Join(dir, "none")}, 1, "no checkpoint"},
		{[]string{"stray"}, 2, "unexpected argument"},
		{[]string{"-data", filepath.Join(dir, "missing.npy"), "-out", dir}, 1, "missing.npy"},
		// Sizes beyond the machine's memory: exit 1 with the estimate, not
		// Go's fatal out-of-memory and a stack dump.
		{[]string{"-hidden", "1000000", "-iters", "1", "-out", filepath.Join(dir, "h")}, 1, "hidden 1000000, z-dim 2 and T 4 needs about"},
		{[]string{"-batch", "1000000000000", "-iters", "1", "-quiet", "-out", filepath.Join(dir, "b")}, 1, "on batches of 1000000000000 needs about"},
		{[]string{"mnist", "-gen-hidden", "1000000", "-iters", "1", "-out", filepath.Join(dir, "m")}, 1, "gen-hidden 1000000"},
	}
	for _, c := range cases {
		stderr, code := runCmd(bin, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) || strings.Contains(stderr, "goroutine ") {
			t.Errorf("train %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.msg)
		}
	}
	if _, code := runCmd(bin, "-help"); code != 0 {
		t.Errorf("-help exits %d", code)
	}
}

func TestTrainWritesItsOutputs(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"-data", "pinwheel", "-iters", "60", "-eval-every", "30", "-out", out}, small...)
	if stderr, code := runCmd(bin, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"config.json", "checkpoint.npz", "samples.npy", "density.png", "samples.png", "metrics.json", "metrics.jsonl"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	var m map[string]any
	b, _ := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"grid_nll", "kl_grid", "mmd", "modes_covered", "hq_fraction", "iters", "ms_per_iter_median"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metrics.json lacks %q: %s", k, b)
		}
	}
	if m["iters"].(float64) != 60 {
		t.Errorf("iters = %v", m["iters"])
	}
	lines := strings.Count(string(must(os.ReadFile(filepath.Join(out, "metrics.jsonl")))), "\n")
	if lines != 2 {
		t.Errorf("metrics.jsonl has %d lines, want 2 (iterations 30 and 60)", lines)
	}
	// Starting again into the same directory without -resume is refused.
	if stderr, code := runCmd(bin, args...); code != 2 || !strings.Contains(stderr, "-resume") {
		t.Errorf("second run into the same -out: exit %d, %q", code, stderr)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// kill -9 in the middle of a run loses at most the iterations since the
// last checkpoint; -resume continues from it to the end.
func TestResumeAfterKill(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"-iters", "100000", "-checkpoint-every", "20", "-out", out}, small...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(out, "checkpoint.npz")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint after 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let it get into the next interval, maybe mid-write
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	resumeArgs := []string{"-resume", "-iters", "3000", "-out", out, "-eval-samples", "500", "-quiet"}
	stderr, code := runCmd(bin, resumeArgs...)
	if code != 0 || !strings.Contains(stderr, "resuming") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	var m map[string]any
	json.Unmarshal(must(os.ReadFile(filepath.Join(out, "metrics.json"))), &m)
	if m["iters"].(float64) != 3000 {
		t.Fatalf("resumed run ended at %v iterations, want 3000", m["iters"])
	}
	matches, _ := filepath.Glob(filepath.Join(out, "*.tmp*"))
	if len(matches) > 0 {
		// A temp file left by the killed write is harmless but should not pile up.
		t.Logf("left-over temporary files: %v", matches)
	}
	// Changing the configuration on resume is refused.
	if stderr, code := runCmd(bin, "-resume", "-out", out, "-lr", "1e-3"); code != 2 || !strings.Contains(stderr, "-lr") {
		t.Errorf("resume with -lr: exit %d, %q", code, stderr)
	}
	// A damaged checkpoint is reported, not loaded.
	b := must(os.ReadFile(ckpt))
	os.WriteFile(ckpt, b[:len(b)/2], 0o644)
	if stderr, code := runCmd(bin, "-resume", "-iters", "4000", "-out", out); code != 1 || !strings.Contains(stderr, "checkpoint") {
		t.Errorf("truncated checkpoint: exit %d, %q", code, stderr)
	}
}
