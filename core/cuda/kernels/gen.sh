#!/bin/sh
# Compiles each kernels/*.cu to PTX for compute_80 and records the SHA-256
# of every input in SHA256SUMS. Run through `go generate ./core/cuda`.
#
# compute_80 PTX is JIT-compiled by the driver for the card at hand, so one
# file serves Ampere, Hopper and later; users need the driver, not nvcc.
# The PTX is committed: the hashes let a test on any machine notice a .cu
# edited without regenerating. This script is hashed too, since changing
# its nvcc flags changes the PTX.
set -eu
cd "$(dirname "$0")"
if ! command -v nvcc >/dev/null 2>&1; then
	echo "gen.sh: nvcc not found; install a CUDA toolkit (Debian: apt-get install nvidia-cuda-toolkit)" >&2
	exit 1
fi
for cu in *.cu; do
	nvcc -ptx -arch=compute_80 -o "${cu%.cu}.ptx" "$cu"
done
sha256sum gen.sh *.cuh *.cu >SHA256SUMS
