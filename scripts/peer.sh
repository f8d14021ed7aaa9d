# Sourced by bench.sh and bench_nice.sh: the PyTorch peer they time, and
# the thread settings both sides run with.
#
# The peer is a current PyTorch from PyPI (MKL and oneDNN on x86), the one a
# researcher installs with pip. Debian's python3-torch links the reference
# BLAS and is far slower; timing against it would flatter Go.
#
# Which python runs the peer, first match wins:
#   $PEER_PYTHON                     any python with torch and numpy
#   $PEER_VENV_SCRIPT                a script printing such a python (default
#                                    ../shared/bench/peer-venv.sh, where present)
#   $PEER_VENV/bin/python            default $HOME/.cache/ddaebm-peer; created
#                                    with `pip install torch numpy` when it
#                                    lacks torch: about 6 GB (the PyPI wheel
#                                    pulls CUDA libraries), downloaded once,
#                                    never in CI ($CI set)

# Both sides compute on THREADS threads: Go through GOMAXPROCS, PyTorch
# through torch.set_num_threads (the peers' --threads) and OpenMP/MKL; a
# BLAS under PyTorch must not start threads of its own on top.
threads=${THREADS:-2}
peer_env=(OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS=1)

# peer_python prints the peer's python, or explains on stderr why there is
# none and prints nothing.
peer_python() {
	if [[ -n ${PEER_PYTHON:-} ]]; then
		echo "$PEER_PYTHON"
		return
	fi
	local script=${PEER_VENV_SCRIPT:-../shared/bench/peer-venv.sh}
	if [[ -f $script ]]; then
		bash "$script" || echo "peer: $script failed" >&2
		return
	fi
	local dir=${PEER_VENV:-$HOME/.cache/ddaebm-peer}
	if ! "$dir/bin/python" -c 'import torch, numpy' >/dev/null 2>&1; then
		if [[ -n ${CI:-} ]]; then
			echo "peer: no PyTorch at $dir and CI is set: not installing 6 GB (set PEER_PYTHON)" >&2
			return
		fi
		echo "peer: installing PyTorch from PyPI into $dir (about 6 GB, once; set PEER_PYTHON to use another)" >&2
		python3 -m venv "$dir" >&2 &&
			"$dir/bin/pip" install --quiet --disable-pip-version-check torch numpy >&2 ||
			{ echo "peer: the installation into $dir failed" >&2; return; }
	fi
	echo "$dir/bin/python"
}

# peer_describe prints the peer's version, BLAS and CPU kernels, and the
# thread settings of both sides.
peer_describe() {
	env "${peer_env[@]}" "$1" - <<'PY'
import re, sys, torch
config = torch.__config__.show()
def setting(pattern):
    m = re.search(pattern, config)
    return m.group(1).strip() if m else "unknown"
print(f"peer:    PyTorch {torch.__version__} ({sys.executable}), BLAS {setting(r'BLAS_INFO=([^,]+)')}, "
      f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}, "
      f"oneDNN {'yes' if torch.backends.mkldnn.is_available() else 'no'}, "
      f"CPU kernels {setting(r'CPU capability usage: (.+)')}")
PY
	echo "threads: Go GOMAXPROCS=$threads; PyTorch --threads $threads (torch.set_num_threads) with ${peer_env[*]}"
}
