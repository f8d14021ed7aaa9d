#!/usr/bin/env bash
# Train the Go implementation and the independent PyTorch one
# (scripts/torch_toy_train.py) on the same toy sets and seeds, score both
# on the same test points with the project's grid NLL, and print a table
# of medians and spreads over seeds.
#
#   SETS="8gaussians checkerboard" SEEDS="0 1 2" ITERS=15000 scripts/toy_side_by_side.sh
#
# Settings (environment):
#   SETS      toy sets (default: all six)
#   SEEDS     seeds (default "0 1 2")
#   ITERS     training iterations (default 15000)
#   IMPLS     "go torch" (default), or one of them
#   GO_FLAGS  extra flags for Go's train (an option under test), e.g. "-energy-ema 0.999"
#   TAG       names the Go variant in the output directory (default "go")
#   JOBS      runs at once, one thread each (default: the number of cores)
#   OUT       output directory (default runs/side-by-side)
#   DDAEBM_PYTHON  a python with the ddaebm package, which writes the data
#             (default .venv-test/bin/python, made by make test)
#
# The PyTorch side trains on a pool of points drawn by the project's own toy
# generators (ddaebm.toy), used in order, so both sides see the same
# distribution; the test points (5000, seed 12345) are shared. Each run
# writes metrics.json, density.npy and samples.npy;
# toy_side_by_side_summary.py collects them into summary.tsv and one
# picture per set (OUT/NAME.png: a row of densities per implementation).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/peer.sh

SETS=${SETS:-"25gaussians 8gaussians checkerboard pinwheel rings swissroll"}
SEEDS=${SEEDS:-"0 1 2"}
ITERS=${ITERS:-15000}
IMPLS=${IMPLS:-"go torch"}
GO_FLAGS=${GO_FLAGS:-}
TAG=${TAG:-go}
JOBS=${JOBS:-$(nproc)}
OUT=${OUT:-runs/side-by-side}
DDAEBM_PYTHON=${DDAEBM_PYTHON:-.venv-test/bin/python}
BATCH=200

if ! "$DDAEBM_PYTHON" -c 'import ddaebm' 2>/dev/null; then
	echo "toy_side_by_side: $DDAEBM_PYTHON cannot import ddaebm (run make test, or set DDAEBM_PYTHON)" >&2
	exit 1
fi
peer=""
if [[ " $IMPLS " == *" torch "* ]]; then
	peer=$(peer_python)
	[[ -n $peer ]] || { echo "toy_side_by_side: no PyTorch peer (see scripts/peer.sh)" >&2; exit 1; }
fi
bin=$OUT/bin
mkdir -p "$bin"
go build -o "$bin/train" ./cmd/train
go build -o "$bin/evaluate" ./cmd/evaluate
go build -o "$bin/sample" ./cmd/sample

# Data: shared test points per set, a training pool per set and seed.
for set in $SETS; do
	mkdir -p "$OUT/data/$set"
	"$DDAEBM_PYTHON" - "$OUT/data/$set" "$set" "$ITERS" $SEEDS <<'PY'
import os, sys, ddaebm
out, name, iters, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
if not os.path.exists(f"{out}/test.npy"):
    ddaebm.save_npy(f"{out}/test.npy", ddaebm.toy(name, 5000, seed=12345))
for s in seeds:
    path = f"{out}/pool-{s}-{iters}.npy"
    if not os.path.exists(path):
        ddaebm.save_npy(path, ddaebm.toy(name, iters * 200, seed=1000 + int(s)))
PY
done

# One run: train, then score the shared test points.
run() {
	local impl=$1 set=$2 seed=$3
	local dir=$OUT/$impl/$set/$seed data=$OUT/data/$set
	[[ -f $dir/metrics.json ]] && return
	mkdir -p "$dir"
	local lim
	lim=$("$DDAEBM_PYTHON" -c "import ddaebm; print(ddaebm.toy_limit('$set'))")
	if [[ $impl == torch ]]; then
		env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$peer" scripts/torch_toy_train.py train \
			--pool "$data/pool-$seed-$ITERS.npy" --test "$data/test.npy" --lim "$lim" \
			--iters "$ITERS" --seed "$seed" --threads 1 --out "$dir" >"$dir/log" 2>&1
	else
		# shellcheck disable=SC2086
		GOMAXPROCS=1 "$bin/train" -data "$set" -iters "$ITERS" -seed "$seed" -quiet -out "$dir/run" $GO_FLAGS >"$dir/log" 2>&1
		for w in ema last; do # the same without an energy average (train -energy-ema)
			GOMAXPROCS=1 "$bin/evaluate" energy -checkpoint "$dir/run/checkpoint.npz" -points "$data/test.npy" \
				-energy-weights $w -out "$dir/energies-$w.npy" >"$dir/eval-$w.txt" 2>&1
		done
		"$DDAEBM_PYTHON" - "$dir" "$lim" <<'PY'
import json, re, sys
d, lim = sys.argv[1], float(sys.argv[2])
nll = lambda w: float(re.search(r"test NLL (\S+) nats", open(f"{d}/eval-{w}.txt").read()).group(1))
m = json.load(open(f"{d}/run/metrics.json"))
m.update({"lim": lim, "grid_nll": nll("ema"), "grid_nll_last_weights": nll("last")})
json.dump(m, open(f"{d}/metrics.json", "w"))
PY
		cp "$dir/run/samples.npy" "$dir/samples.npy"
		# The same run's samples with the generator's last weights (differ
		# from samples.npy only under train -ema).
		GOMAXPROCS=1 "$bin/sample" -checkpoint "$dir/run/checkpoint.npz" -generator-weights last -n 5000 -seed 12345 \
			-out "$dir/samples-last.npy" 2>>"$dir/log"
		GOMAXPROCS=1 "$bin/evaluate" density -checkpoint "$dir/run/checkpoint.npz" -lim "$lim" \
			-out "$dir/density.npy" -png "" 2>>"$dir/log"
	fi
	echo "done $impl $set $seed: $(cat "$dir/metrics.json")"
}
export -f run
export OUT ITERS GO_FLAGS DDAEBM_PYTHON peer bin

jobs_list=()
for set in $SETS; do
	for seed in $SEEDS; do
		for impl in $IMPLS; do
			[[ $impl == go ]] && impl=$TAG
			jobs_list+=("$impl $set $seed")
		done
	done
done
printf '%s\n' "${jobs_list[@]}" | xargs -P "$JOBS" -L 1 bash -c 'run "$@"' _

"$DDAEBM_PYTHON" scripts/toy_side_by_side_summary.py "$OUT"
