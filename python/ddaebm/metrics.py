"""Evaluation metrics, computed by the Go engine (the same code as the
train and evaluate commands)."""

from __future__ import annotations

import json

import numpy as np

from . import _native as nat
from ._errors import InvalidArgumentError, call

__all__ = ["auroc", "grid_nll", "mmd", "median_bandwidth", "mode_coverage", "gaussians25_centres",
           "GAUSSIANS25_SIGMA"]


def auroc(scores_in, scores_out) -> float:
    """Area under the ROC curve for telling in-distribution scores (the
    positive class; higher = more in-distribution, e.g. Model.energy) from
    out-of-distribution ones: P(score_in > score_out), ties counting ½.

    scores_in, scores_out: 1-D, any real dtype (compared as float64), at
    least one value each, no NaN. Returns a float in [0, 1].
    """
    a = _scores(scores_in, "scores_in")
    b = _scores(scores_out, "scores_out")
    return call(nat.go.AUROC, nat.addr(a), a.nbytes, nat.addr(b), b.nbytes)


def _scores(x, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"{what}: expected real numbers, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise InvalidArgumentError(f"{what}: expected a non-empty 1-D array, got shape {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.float64)
    if np.isnan(a).any():
        raise InvalidArgumentError(f"{what}: value at index {int(np.argmax(np.isnan(a)))} is NaN")
    return a


def grid_nll(model, x, lim: float | None = None, n: int = 300) -> float:
    """Mean negative log-likelihood (nats) of the 2-D points x (shape
    (m, 2)) under the model's density exp(E(x, 0)) normalised on an n×n
    grid over [-lim, lim]² (lim None: the extent of the model's toy set),
    widened by halves until it holds every point. The protocol of the train
    command's grid_nll."""
    pts = nat.matrix(x, "x", cols=2)
    if pts.shape[0] == 0:
        raise InvalidArgumentError("x has no points")
    lim = model._lim(lim)
    return nat.call_interruptible(model._go.GridNLL, lim, nat.count(n, "n"), nat.addr(pts), pts.nbytes, pts.shape[0])


def _points(x, y):
    a = nat.finite(nat.matrix(x, "x", dtype=np.float64), "x")
    b = nat.finite(nat.matrix(y, "y", cols=a.shape[1], dtype=np.float64), "y")
    if a.shape[0] == 0 or b.shape[0] == 0:
        raise InvalidArgumentError(f"x and y need points, got {a.shape[0]} and {b.shape[0]}")
    return a, b


def median_bandwidth(x, y) -> float:
    """The median pairwise distance in x ∪ y (at most 2000 points spread
    through the pooled set): the median heuristic for mmd's bandwidth."""
    a, b = _points(x, y)
    return call(nat.go.MedianBandwidth, nat.addr(a), a.nbytes, nat.addr(b), b.nbytes, a.shape[1])


def mmd(x, y, bandwidth: float | None = None) -> float:
    """Biased estimate of the squared maximum mean discrepancy between the
    point sets x (n, d) and y (m, d) under the RBF kernel
    exp(-|a-b|²/(2h²)); 0 for identical sets.

    bandwidth: h; None takes the median heuristic over the pooled points.
    """
    a, b = _points(x, y)
    h = median_bandwidth(a, b) if bandwidth is None else float(bandwidth)
    if not (0 < h < float("inf")):
        raise InvalidArgumentError(f"bandwidth must be a positive finite number, got {h}"
                                   + (" (the median heuristic: most points coincide)" if bandwidth is None else ""))
    return nat.call_interruptible(nat.go.MMD, nat.addr(a), a.nbytes, nat.addr(b), b.nbytes, a.shape[1], h)


GAUSSIANS25_SIGMA: float = call(nat.go.Gaussians25Sigma)
"""Standard deviation of each 25gaussians component."""


def gaussians25_centres() -> np.ndarray:
    """The 25 component centres of the 25gaussians set, float64 (25, 2)."""
    out = np.empty((25, 2), dtype=np.float64)
    call(nat.go.Gaussians25Centres, nat.addr(out), out.nbytes)
    return out


def mode_coverage(samples, centres=None, sigma: float | None = None) -> tuple[int, float]:
    """Modes covered and high-quality fraction of 2-D samples: a sample
    belongs to its nearest centre when within 3σ of it; a mode is covered
    when a sample belongs to it.

    centres: (c, 2) mixture centres, sigma: component standard deviation;
    both None score against 25gaussians. Returns (modes_covered,
    hq_fraction).
    """
    if (centres is None) != (sigma is None):
        raise InvalidArgumentError("give both centres and sigma, or neither (25gaussians)")
    if centres is None:
        centres, sigma = gaussians25_centres(), GAUSSIANS25_SIGMA
    s = nat.finite(nat.matrix(samples, "samples", cols=2, dtype=np.float64), "samples")
    c = nat.finite(nat.matrix(centres, "centres", cols=2, dtype=np.float64), "centres")
    sigma = float(sigma)
    if s.shape[0] == 0 or c.shape[0] == 0 or not (0 < sigma < float("inf")):
        raise InvalidArgumentError(
            f"mode_coverage needs samples, centres and sigma > 0, got {s.shape[0]}, {c.shape[0]} and {sigma}")
    r = json.loads(call(nat.go.ModeCoverage, nat.addr(s), s.nbytes, nat.addr(c), c.nbytes, sigma))
    return r["modes_covered"], r["hq_fraction"]
