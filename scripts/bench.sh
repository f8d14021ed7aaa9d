#!/usr/bin/env bash
# One full DDAEBM toy iteration (energy step with the gradient penalty,
# then the generator/encoder step; batch 200) timed for this Go
# implementation and for the PyTorch peer, in the same run, both on
# THREADS (default 2) threads. Prints the peer's version and BLAS, the
# thread settings, both medians, the ratio, and Go's allocations per step.
#
# The peer is bench/torch_toy_step.py of the shared material (set
# TORCH_PEER to its path), run by the python scripts/peer.sh finds: a
# current PyPI PyTorch (PEER_PYTHON to choose another). ITERS sets the
# iterations of each side (default 300; more than 20, which the peer
# discards as warm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peer.sh
iters=${ITERS:-300}
peer=${TORCH_PEER:-../shared/bench/torch_toy_step.py}

go_out=$(GOMAXPROCS=$threads go test -run XXX -bench '^BenchmarkTrainStep$' -benchtime "${iters}x" -benchmem ./core/ddaebm | grep '^BenchmarkTrainStep')
go_ms=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "ms/iter") print $i}' <<<"$go_out")
go_bytes=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "B/op") print $i}' <<<"$go_out")
go_allocs=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "allocs/op") print $i}' <<<"$go_out")
echo "go:      ${go_ms} ms/iter, ${go_bytes} B and ${go_allocs} allocations per iteration"

if [[ ! -f $peer ]]; then
	echo "pytorch: not measured (no peer script at $peer; set TORCH_PEER)"
	exit 0
fi
python=$(peer_python)
if [[ -z $python ]] || ! "$python" -c 'import torch, numpy' 2>/dev/null; then
	echo "pytorch: not measured (no python with torch and numpy${python:+: $python lacks them}; set PEER_PYTHON)"
	exit 0
fi
peer_describe "$python"
torch_json=$(env "${peer_env[@]}" "$python" "$peer" --threads "$threads" --iters "$iters")
torch_ms=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["ms_per_iter_median"])' "$torch_json")
echo "pytorch: ${torch_ms} ms/iter ($torch_json)"
awk -v g="$go_ms" -v t="$torch_ms" 'BEGIN { printf "ratio:   go/pytorch = %.3f\n", g / t }'
