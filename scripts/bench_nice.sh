#!/usr/bin/env bash
# One step of the full-size MNIST model (NICE_t energy, batch 128) timed for
# this Go implementation and for the PyTorch peer scripts/torch_nice_step.py,
# in the same run, both on THREADS (default 2) threads. STEP is energy (the
# max step with the gradient penalty; default), iter (a full DDAEBM
# iteration) or mle; ITERS the steps of each side (default 10). Prints the
# peer's version and BLAS, the thread settings, both medians, the ratio,
# and Go's allocations per step.
#
# The peer runs on the python scripts/peer.sh finds: a current PyPI
# PyTorch (PEER_PYTHON to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peer.sh
step=${STEP:-energy}
iters=${ITERS:-10}
case $step in
energy) bench=NICEEnergyStep ;;
iter) bench=MNISTTrainStep ;;
mle) bench=NICEMLEStep ;;
*) echo "STEP must be energy, iter or mle" >&2; exit 2 ;;
esac

go_out=$(GOMAXPROCS=$threads go test -run XXX -bench "^Benchmark${bench}\$" -benchtime "${iters}x" -benchmem ./core/ddaebm | grep "^Benchmark${bench}")
go_ms=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' <<<"$go_out")
go_bytes=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "B/op") print $i}' <<<"$go_out")
go_allocs=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "allocs/op") print $i}' <<<"$go_out")
echo "go:      ${go_ms} ms/step ($step), ${go_bytes} B and ${go_allocs} allocations per step"

python=$(peer_python)
if [[ -z $python ]] || ! "$python" -c 'import torch, numpy' 2>/dev/null; then
	echo "pytorch: not measured (no python with torch and numpy${python:+: $python lacks them}; set PEER_PYTHON)"
	exit 0
fi
peer_describe "$python"
torch_json=$(env "${peer_env[@]}" "$python" scripts/torch_nice_step.py --threads "$threads" --step "$step" --iters "$iters")
torch_ms=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["ms_per_step_median"])' "$torch_json")
echo "pytorch: ${torch_ms} ms/step ($torch_json)"
awk -v g="$go_ms" -v t="$torch_ms" 'BEGIN { printf "ratio:   go/pytorch = %.3f\n", g / t }'
