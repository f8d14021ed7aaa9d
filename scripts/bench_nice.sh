#!/usr/bin/env bash
# One step of the full-size MNIST model (NICE_t energy, batch 128) timed for
# this Go implementation and for the PyTorch peer scripts/torch_nice_step.py,
# in the same run, both on 2 threads. STEP is energy (the max step with the
# gradient penalty; default), iter (a full DDAEBM iteration) or mle.
# Prints both medians, the ratio, and Go's allocations per step.
#
# Debian's python3-torch does its matrix products through the system
# libblas.so.3; where that is the reference BLAS, point TORCH_BLAS_DIR at a
# directory holding an optimised libblas.so.3 (e.g. the openblas-pthread
# directory of Debian's libopenblas0-pthread) to time the peer with it.
set -euo pipefail
cd "$(dirname "$0")/.."
step=${STEP:-energy}
iters=${ITERS:-10}
python=${PYTHON:-/usr/bin/python3}
case $step in
energy) bench=NICEEnergyStep ;;
iter) bench=MNISTTrainStep ;;
mle) bench=NICEMLEStep ;;
*) echo "STEP must be energy, iter or mle" >&2; exit 2 ;;
esac

go_out=$(GOMAXPROCS=2 go test -run XXX -bench "${bench}\$" -benchtime "${iters}x" -benchmem ./core/ddaebm | grep "^Benchmark${bench}")
go_ms=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' <<<"$go_out")
go_bytes=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "B/op") print $i}' <<<"$go_out")
go_allocs=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "allocs/op") print $i}' <<<"$go_out")
echo "go:      ${go_ms} ms/step ($step), ${go_bytes} B and ${go_allocs} allocations per step"

if ! "$python" -c 'import torch, numpy' 2>/dev/null; then
	echo "pytorch: not measured (need $python with torch and numpy)"
	exit 0
fi
torch_json=$(LD_LIBRARY_PATH=${TORCH_BLAS_DIR:-${LD_LIBRARY_PATH:-}} OPENBLAS_NUM_THREADS=1 \
	"$python" scripts/torch_nice_step.py --threads 2 --step "$step" --iters "$iters")
torch_ms=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["ms_per_step_median"])' "$torch_json")
echo "pytorch: ${torch_ms} ms/step ($torch_json${TORCH_BLAS_DIR:+, BLAS from $TORCH_BLAS_DIR})"
awk -v g="$go_ms" -v t="$torch_ms" 'BEGIN { printf "ratio:   go/pytorch = %.3f\n", g / t }'
