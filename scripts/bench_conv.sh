#!/usr/bin/env bash
# The image networks' main convolution (3×3, 64→64, padding 1, 32×32,
# batch 64) timed for this Go implementation and for the PyTorch peer in
# the same run, both on THREADS (default 2) threads: a training step
# (forward and backward into x, W, b) and the gradient penalty's double
# backward. Prints the peer's version, both medians, the ratios and Go's
# allocations. ITERS sets the iterations of each side (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peer.sh
iters=${ITERS:-10}

go_out=$(GOMAXPROCS=$threads go test -run XXX -bench '^BenchmarkConv3x3(Step|Penalty)$' -benchtime "${iters}x" -benchmem ./core/nn | grep '^BenchmarkConv3x3')
go_ms() { awk -v name="$1" '$1 ~ name {for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") printf "%.1f", $i / 1e6}' <<<"$go_out"; }
echo "$go_out"
python=$(peer_python)
if [[ -z $python ]] || ! "$python" -c 'import torch' 2>/dev/null; then
	echo "pytorch: not measured (no python with torch; set PEER_PYTHON)"
	exit 0
fi
peer_describe "$python"
torch_json=$(env "${peer_env[@]}" "$python" scripts/torch_conv_step.py --threads "$threads" --iters "$iters")
echo "pytorch: $torch_json"
for what in step penalty; do
	name=Step
	[[ $what == penalty ]] && name=Penalty
	g=$(go_ms "Conv3x3$name")
	t=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2] + "_ms_median"])' "$torch_json" "$what")
	awk -v w="$what" -v g="$g" -v t="$t" 'BEGIN { printf "%-8s go %.1f ms, pytorch %.1f ms: go/pytorch = %.2f\n", w, g, t, g / t }'
done
