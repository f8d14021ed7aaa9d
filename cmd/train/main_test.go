package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddaebm/ddaebm/core/ddaebm"
	"github.com/ddaebm/ddaebm/core/npy"
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
	if matches, _ := filepath.Glob(filepath.Join(out, ".*.tmp*")); len(matches) > 0 {
		t.Errorf("temporary files left by the killed write: %v", matches)
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

// readJSON decodes the JSON file at path.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(must(os.ReadFile(path)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// metricsIters lists the iterations of the rows of dir/metrics.jsonl.
func metricsIters(t *testing.T, dir string) []float64 {
	t.Helper()
	var iters []float64
	for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, "metrics.jsonl"))))), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("metrics.jsonl row %q: %v", line, err)
		}
		iters = append(iters, row["iters"].(float64))
	}
	return iters
}

func writtenSamples(t *testing.T, dir string) int {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join(dir, "samples.npy"), npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a.Shape[0]
}

// -resume continues a run with the settings it was started with, except
// those given again on its command line.
func TestResumeRestoresRunSettings(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"-data", "pinwheel", "-hidden", "16", "-batch", "32", "-iters", "20", "-checkpoint-every", "5",
		"-eval-every", "10", "-eval-samples", "300", "-quiet", "-out", out}
	if stderr, code := runCmd(bin, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	run := readJSON(t, filepath.Join(out, "config.json"))["run"]
	want := map[string]any{"iters": 20.0, "checkpoint-every": 5.0, "eval-every": 10.0, "eval-samples": 300.0}
	if !reflect.DeepEqual(run, want) {
		t.Fatalf("config.json run settings %v, want %v", run, want)
	}

	if stderr, code := runCmd(bin, "-resume", "-iters", "40", "-out", out); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if got := metricsIters(t, out); !slices.Equal(got, []float64{10, 20, 30, 40}) {
		t.Fatalf("metrics.jsonl holds iterations %v, want 10, 20, 30, 40 (-eval-every 10 restored)", got)
	}
	if n := writtenSamples(t, out); n != 300 {
		t.Fatalf("samples.npy has %d rows, want 300 (-eval-samples restored)", n)
	}
	want["iters"] = 40.0 // given on the resume's command line, now the run's
	if run := readJSON(t, filepath.Join(out, "config.json"))["run"]; !reflect.DeepEqual(run, want) {
		t.Errorf("after resuming with -iters 40: run settings %v, want %v", run, want)
	}

	// Nothing given: the run is complete at its restored -iters.
	stderr, code := runCmd(bin, "-resume", "-out", out, "-eval-samples", "200")
	if code != 0 || !strings.Contains(stderr, "nothing to train") {
		t.Fatalf("resume without -iters: exit %d: %s", code, stderr)
	}
	if m := readMetrics(t, out); m["iters"].(float64) != 40 {
		t.Errorf("metrics.json at %v iterations, want 40", m["iters"])
	}
	if n := writtenSamples(t, out); n != 200 {
		t.Errorf("samples.npy has %d rows, want the 200 given", n)
	}
}

// A run trained on a .npy file records it in config.json and in the
// checkpoint by absolute path and SHA-256, and resumes only on that file.
func TestDataFileIsRecordedAndChecked(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "x.npy")
	x := make([]float32, 2*100)
	for i := range x {
		x[i] = float32(i%17) / 5
	}
	if err := npy.WriteFile(file, &npy.Array{Shape: []int{100, 2}, Dtype: npy.Float32, F32: x}); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, file)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	if stderr, code := runCmd(bin, append([]string{"-data", rel, "-iters", "10", "-out", out}, small...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sum := sha256.Sum256(must(os.ReadFile(file)))
	cfg := readJSON(t, filepath.Join(out, "config.json"))
	if cfg["data"] != file || cfg["data_sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("config.json data %v (SHA-256 %v), want %s (%x)", cfg["data"], cfg["data_sha256"], file, sum)
	}
	m, err := ddaebm.Load(filepath.Join(out, "checkpoint.npz"))
	if err != nil {
		t.Fatal(err)
	}
	var ck map[string]any
	if err := json.Unmarshal(m.Config.JSON(), &ck); err != nil {
		t.Fatal(err)
	}
	if ck["data"] != cfg["data"] || ck["data_sha256"] != cfg["data_sha256"] {
		t.Errorf("the checkpoint's data %v (SHA-256 %v) differs from config.json's", ck["data"], ck["data_sha256"])
	}

	resume := []string{"-resume", "-iters", "20", "-out", out, "-eval-samples", "200"}
	x[0] = 9
	if err := npy.WriteFile(file, &npy.Array{Shape: []int{100, 2}, Dtype: npy.Float32, F32: x}); err != nil {
		t.Fatal(err)
	}
	if stderr, code := runCmd(bin, resume...); code != 1 || !strings.Contains(stderr, file+" has changed since the run began") {
		t.Errorf("resume on a changed file: exit %d, %q", code, stderr)
	}
	os.Remove(file)
	if stderr, code := runCmd(bin, resume...); code != 1 || !strings.Contains(stderr, file+" is missing") {
		t.Errorf("resume without the file: exit %d, %q", code, stderr)
	}
	x[0] = 0
	if err := npy.WriteFile(file, &npy.Array{Shape: []int{100, 2}, Dtype: npy.Float32, F32: x}); err != nil {
		t.Fatal(err)
	}
	if stderr, code := runCmd(bin, resume...); code != 0 {
		t.Errorf("resume on the run's file: exit %d, %q", code, stderr)
	}

	// A model last trained on an array held only in memory (Python's fit
	// without checkpoint_dir) names no data to resume on.
	cfg0 := ddaebm.DefaultToyConfig("")
	cfg0.Hidden = 8
	inMemory, err := ddaebm.New(cfg0)
	if err != nil {
		t.Fatal(err)
	}
	noData := filepath.Join(dir, "no-data")
	if err := os.Mkdir(noData, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := inMemory.Save(filepath.Join(noData, "checkpoint.npz")); err != nil {
		t.Fatal(err)
	}
	if stderr, code := runCmd(bin, "-resume", "-out", noData); code != 1 || !strings.Contains(stderr, "names no data to resume on") {
		t.Errorf("resume of a model trained on an array in memory: exit %d, %q", code, stderr)
	}
}

// A run killed after an evaluation and before the next checkpoint, and
// in the middle of writing a checkpoint, leaves metrics rows beyond its
// checkpoint and a temporary file; -resume drops those rows, so that each
// iteration appears once, and removes the file.
func TestResumeClearsWhatAKilledRunLeft(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "run")
	if stderr, code := runCmd(bin, append([]string{"-iters", "20", "-eval-every", "10", "-checkpoint-every", "10", "-out", out}, small...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	jsonl := filepath.Join(out, "metrics.jsonl")
	f, err := os.OpenFile(jsonl, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Iteration 30 evaluated, then killed while appending the row of 40.
	f.WriteString(`{"grid_nll": 3.1, "iters": 30, "mmd": 0.1}` + "\n" + `{"grid_nll": 3.0, "it`)
	f.Close()
	stale := filepath.Join(out, ".checkpoint.npz.tmp123456789")
	if err := os.WriteFile(stale, []byte("half a checkpoint"), 0o600); err != nil {
		t.Fatal(err)
	}

	// -iters 20: nothing to train, so no checkpoint is saved either.
	if stderr, code := runCmd(bin, "-resume", "-iters", "20", "-out", out); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if got := metricsIters(t, out); !slices.Equal(got, []float64{10, 20}) {
		t.Errorf("metrics.jsonl holds iterations %v, want 10, 20", got)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s is still there", stale)
	}
	if stderr, code := runCmd(bin, "-resume", "-iters", "30", "-out", out); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if got := metricsIters(t, out); !slices.Equal(got, []float64{10, 20, 30}) {
		t.Errorf("metrics.jsonl holds iterations %v, want 10, 20, 30", got)
	}
}
