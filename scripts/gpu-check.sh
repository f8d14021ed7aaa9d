#!/bin/sh
# Checks the GPU backend (core/cuda) on a GPU machine, in two phases so that
# Go is needed only where the build happens:
#
#   scripts/gpu-check.sh build DIR   on a machine with Go (no GPU needed):
#                                    compile the core/cuda tests into DIR
#   scripts/gpu-check.sh run DIR     on the GPU machine: run them verbosely,
#                                    printing the device, and fail if any
#                                    GPU test fails or is skipped
#
# Three binaries: float32 with cgo, float32 without cgo (purego's own
# dlopen path), and float64 (-tags f64). The run takes seconds; each binary
# is bounded by -test.timeout so the whole run stays well under 5 minutes.
set -eu

usage() {
	echo "usage: $0 build DIR | run DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
phase=$1
[ "$phase" = build ] && mkdir -p "$2"
[ -d "$2" ] || {
	echo "$0: $2 is not a directory: run '$0 build $2' first" >&2
	exit 1
}
dir=$(cd "$2" && pwd)
binaries="cuda.test cuda-nocgo.test cuda-f64.test"

case $phase in
build)
	cd "$(dirname "$0")/.."
	go test -c -o "$dir/cuda.test" ./core/cuda
	CGO_ENABLED=0 go test -c -o "$dir/cuda-nocgo.test" ./core/cuda
	go test -c -tags f64 -o "$dir/cuda-f64.test" ./core/cuda
	echo "built $binaries in $dir; copy it to the GPU machine and run: $0 run DIR"
	;;
run)
	for b in $binaries; do
		[ -x "$dir/$b" ] || {
			echo "$0: $dir/$b missing: run '$0 build $2' first" >&2
			exit 1
		}
	done
	if command -v nvidia-smi >/dev/null 2>&1; then
		nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
	fi
	status=0
	for b in $binaries; do
		echo "== $b"
		# TestPTXIsFresh reads the kernel sources beside the package, which
		# a copied binary does not have; it runs with go test on any machine.
		# DDAEBM_REQUIRE_GPU makes "no usable device" a failure, not a skip.
		DDAEBM_REQUIRE_GPU=1 "$dir/$b" -test.v -test.count=1 -test.timeout=90s \
			-test.skip='^TestPTXIsFresh$' || status=1
	done
	if [ $status -ne 0 ]; then
		echo "gpu-check: FAILED" >&2
	else
		echo "gpu-check: all passed"
	fi
	exit $status
	;;
*)
	usage
	;;
esac
