# The two commands of the README:
#   make demo   train on 25gaussians with the energy's weight average (DEMO_FLAGS);
#               write samples, density.png and metrics into runs/demo
#   make test   the whole test suite
GO ?= go
PYTHON ?= python3
DEMO_ITERS ?= 10000
# The paper's defaults plus the energy's weight average for the density
# (README "Density estimates" gives its effect).
DEMO_FLAGS ?= -energy-ema 0.999
# test-python builds ddaebm into this fresh virtual environment.
TEST_VENV ?= .venv-test

.PHONY: demo test test-go test-python bench fuzz

demo:
	$(GO) run ./cmd/train -data 25gaussians -iters $(DEMO_ITERS) -seed 0 $(DEMO_FLAGS) -eval-every $$(( $(DEMO_ITERS) / 4 )) -out runs/demo
	$(GO) run ./cmd/evaluate curve -metrics runs/demo/metrics.jsonl -png runs/demo/curve.png
	@echo "see runs/demo: density.png samples.png curve.png metrics.json samples.npy"

test: test-go test-python

test-go:
	$(GO) vet ./...
	$(GO) vet -tags f64 ./...
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test ./...
	$(GO) test -tags f64 ./core/...

# The Python package as a user gets it: `pip install .` into a new virtual
# environment (building the Go extension), then its tests and notebooks.
test-python:
	rm -rf $(TEST_VENV)
	$(PYTHON) -m venv $(TEST_VENV)
	GO="$(GO)" $(TEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check . pytest nbclient nbformat ipykernel matplotlib tqdm
	GO="$(GO)" $(TEST_VENV)/bin/python -m pytest -q -rs python/tests

# Speed against the PyTorch peer, measured in one run on this machine.
bench:
	scripts/bench.sh
	scripts/bench_conv.sh
	scripts/bench_image.sh

# Longer fuzzing of the file readers (go test runs their seed corpora).
fuzz:
	$(GO) test -run XXX -fuzz FuzzRead -fuzztime 60s ./core/npy
	$(GO) test -run XXX -fuzz FuzzLoad -fuzztime 60s -fuzzminimizetime 3s ./core/checkpoint
	$(GO) test -run XXX -fuzz FuzzReadDataset -fuzztime 60s ./core/data
