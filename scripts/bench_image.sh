#!/usr/bin/env bash
# One training iteration of the image model (32×32×3; the max step with
# the gradient penalty, then the generator and encoder step) timed for this
# Go implementation (BenchmarkImageTrainStep) and for the PyTorch peer
# scripts/torch_image_step.py in the same run, both on THREADS (default 2)
# threads, for the XS preset at batch 64 and S at batch 16 (S at 64 needs
# about 30 GiB here). CONFIGS picks the presets (default "xs s"), ITERS the
# timed iterations of each side (default 5). Prints the peer's version,
# both medians, the ratio, and Go's allocations and step memory.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peer.sh
iters=${ITERS:-5}
configs=${CONFIGS:-xs s}

python=$(peer_python)
have_peer=1
if [[ -z $python ]] || ! "$python" -c 'import torch' 2>/dev/null; then
	echo "pytorch: not measured (no python with torch; set PEER_PYTHON)"
	have_peer=
else
	peer_describe "$python"
fi
for config in $configs; do
	go_out=$(GOMAXPROCS=$threads go test -run XXX -bench "^BenchmarkImageTrainStep\$/^${config}\$" -benchtime "${iters}x" -benchmem -timeout 60m ./core/ddaebm |
		grep '^BenchmarkImageTrainStep')
	echo "$go_out"
	batch=$(sed -E 's/.*batch=([0-9]+).*/\1/' <<<"$go_out")
	go_ms=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "ms/step") print $i}' <<<"$go_out")
	[[ -n $have_peer ]] || continue
	torch_json=$(env "${peer_env[@]}" "$python" scripts/torch_image_step.py --config "$config" --batch "$batch" \
		--threads "$threads" --iters "$iters" 2>/dev/null)
	echo "pytorch: $torch_json"
	torch_ms=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["ms_per_iter_median"])' "$torch_json")
	awk -v c="$config" -v b="$batch" -v g="$go_ms" -v t="$torch_ms" \
		'BEGIN { printf "%-3s batch %d: go %.0f ms, pytorch %.0f ms: go/pytorch = %.2f\n", c, b, g, t, g / t }'
done
