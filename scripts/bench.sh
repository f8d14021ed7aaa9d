#!/usr/bin/env bash
# One full DDAEBM toy iteration (energy step with the gradient penalty,
# then the generator/encoder step; batch 200) timed for this Go
# implementation and for the PyTorch peer, in the same run, both on 2
# threads. Prints both medians, the ratio, and Go's allocations per step.
#
# The peer is bench/torch_toy_step.py of the shared material (set
# TORCH_PEER to its path); it needs python3 with torch and numpy
# (Debian: apt-get install python3-torch python3-numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
iters=${ITERS:-300}
peer=${TORCH_PEER:-../shared/bench/torch_toy_step.py}
python=${PYTHON:-/usr/bin/python3}

go_out=$(GOMAXPROCS=2 go test -run XXX -bench 'TrainStep$' -benchtime "${iters}x" -benchmem ./core/ddaebm | grep '^BenchmarkTrainStep')
go_ms=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "ms/iter") print $i}' <<<"$go_out")
go_bytes=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "B/op") print $i}' <<<"$go_out")
go_allocs=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "allocs/op") print $i}' <<<"$go_out")
echo "go:      ${go_ms} ms/iter, ${go_bytes} B and ${go_allocs} allocations per iteration"

if [[ ! -f "$peer" ]] || ! "$python" -c 'import torch, numpy' 2>/dev/null; then
	echo "pytorch: not measured (need $peer and $python with torch and numpy)"
	exit 0
fi
torch_json=$(OPENBLAS_NUM_THREADS=1 "$python" "$peer" --threads 2 --iters "$iters")
torch_ms=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["ms_per_iter_median"])' "$torch_json")
echo "pytorch: ${torch_ms} ms/iter ($torch_json)"
awk -v g="$go_ms" -v t="$torch_ms" 'BEGIN { printf "ratio:   go/pytorch = %.3f\n", g / t }'
