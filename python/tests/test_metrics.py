import numpy as np
import pytest

import ddaebm
from ddaebm import metrics


def auroc_by_pairs(a, b):
    a, b = np.asarray(a, float)[:, None], np.asarray(b, float)[None, :]
    return ((a > b) + 0.5 * (a == b)).mean()


def test_auroc():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 300), rng.normal(0, 1, 200)
    assert metrics.auroc(a, b) == pytest.approx(auroc_by_pairs(a, b), abs=1e-12)
    assert metrics.auroc([3, 4], [1, 2]) == 1.0  # in-distribution is the positive class
    assert metrics.auroc([1, 2], [3, 4]) == 0.0
    assert metrics.auroc([1, 1], [1]) == 0.5
    ints = np.array([5, 1, 3], dtype=np.int32)
    assert metrics.auroc(ints, [2.0]) == pytest.approx(2 / 3)


def test_mmd():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 2))
    assert metrics.mmd(x, x) == pytest.approx(0, abs=1e-12)
    near, far = metrics.mmd(x, rng.standard_normal((300, 2))), metrics.mmd(x, rng.standard_normal((300, 2)) + 2)
    assert 0 < near < far
    h = 0.7
    k = lambda a, b: np.exp(-((a[:, None] - b[None]) ** 2).sum(-1) / (2 * h * h))  # noqa: E731
    y = x[:50] + 1
    want = k(x[:40], x[:40]).mean() + k(y, y).mean() - 2 * k(x[:40], y).mean()
    assert metrics.mmd(x[:40], y, bandwidth=h) == pytest.approx(want, rel=1e-9)
    assert metrics.median_bandwidth(x, x) > 0


def test_mode_coverage():
    c = metrics.gaussians25_centres()
    assert c.shape == (25, 2) and metrics.GAUSSIANS25_SIGMA == pytest.approx(0.1 / 2.828)
    assert metrics.mode_coverage(c) == (25, 1.0)
    assert metrics.mode_coverage(c[:3]) == (3, 1.0)
    assert metrics.mode_coverage(c[:4] + 1.0) == (0, 0.0)  # 0.41 from the nearest centre, σ = 0.035
    own = metrics.mode_coverage(np.array([[0.0, 0.0], [5.0, 5.0]]), centres=[[0, 0], [1, 1]], sigma=0.1)
    assert own == (1, 0.5)
