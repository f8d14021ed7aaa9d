"""Wrong input raises an exception saying what was expected and what was
found; nothing crashes."""

import numpy as np
import pytest
from conftest import small

import ddaebm


@pytest.fixture(scope="module")
def m():
    return small()


@pytest.mark.parametrize("x, message", [
    (np.zeros((4, 3)), r"x: expected shape \(n, 2\), got \(4, 3\)"),
    (np.zeros(4), r"x: expected shape \(n, 2\), got \(4,\)"),
    (np.zeros((2, 2), complex), "expected real numbers, got dtype complex128"),
    (np.array([["a", "b"]]), "expected real numbers, got dtype <U1"),
    (np.array([[0.0, 1.0], [np.nan, 2.0]]), "row 1, column 0 is NaN; values must be finite"),
    (np.array([[0.0, np.inf]]), r"row 0, column 1 is \+Inf"),
])
def test_energy_inputs(m, x, message):
    with pytest.raises(ValueError, match=message) as e:
        m.energy(x)
    assert isinstance(e.value, ddaebm.InvalidArgumentError) and isinstance(e.value, ddaebm.Error)


def test_scalar_arguments(m):
    with pytest.raises(ValueError, match=r"step k = 4 outside 0\.\.3"):
        m.energy(np.zeros((1, 2)), k=4)
    with pytest.raises(ValueError, match="k must be ≥ 0, got -1"):
        m.energy(np.zeros((1, 2)), k=-1)
    with pytest.raises(ValueError, match="n must be ≥ 1, got 0"):
        m.sample(0)
    with pytest.raises(ValueError, match="n must be an integer, got float"):
        m.sample(2.5)
    with pytest.raises(ValueError, match=r"seed must be in \[0, 2\*\*63\), got -1"):
        m.sample(3, seed=-1)
    with pytest.raises(ValueError, match="seed must be an integer or None, got str"):
        ddaebm.toy("pinwheel", 3, seed="x")
    with pytest.raises(ValueError, match="lim must be a positive finite number, got -1.0"):
        m.density_grid(lim=-1)
    with pytest.raises(ValueError, match="iters must be ≥ 1, got 0"):
        m.fit("pinwheel", 0)
    with pytest.raises(ValueError, match="callback must be callable"):
        m.fit("pinwheel", 1, callback=3)


def test_data_arguments(m):
    with pytest.raises(ValueError, match='unknown toy set "moons"'):
        ddaebm.toy("moons", 3)
    with pytest.raises(FileNotFoundError, match="moons"):
        m.fit("moons", 3)  # neither a toy set nor a file
    with pytest.raises(ValueError, match="training data has 3 values per example, the model has dimension 2"):
        m.fit(np.zeros((10, 3)), 3)
    with pytest.raises(ValueError, match=r"training data: shape \(4,\) has rank 1"):
        m.fit(np.zeros(4), 3)
    bad = np.zeros((10, 2))
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match="training data: non-finite value NaN at example 7, feature 1"):
        m.fit(bad, 3)
    with pytest.raises(ValueError, match=r"training data: shape \(0, 2\) holds no examples"):
        m.fit(np.zeros((0, 2)), 3)
    with pytest.raises(ValueError, match="training data: dtype complex128 is not accepted for data sets"):
        m.fit(np.zeros((10, 2), complex), 3)
    with pytest.raises(ValueError, match="toy set"):
        ddaebm.Model({"dim": 3, "hidden": 8}).fit("pinwheel", 1)


def test_configurations():
    with pytest.raises(ValueError, match='unknown field "hiden"'):
        ddaebm.Model.toy(hiden=3)
    with pytest.raises(ValueError, match="T must be at least 1, got 0"):
        ddaebm.Model.toy(T=0)
    with pytest.raises(ValueError, match="batch must be at least 2"):
        ddaebm.Model.toy(batch=1)
    with pytest.raises(ValueError, match='ablation "none" is not known'):
        ddaebm.Model.toy(ablation="none")
    with pytest.raises(ValueError, match="hidden"):
        ddaebm.Model.toy(hidden=64.5)


def test_missing_and_damaged_checkpoints(tmp_path, m):
    with pytest.raises(FileNotFoundError, match="nothing.npz") as e:
        ddaebm.Model.load(tmp_path / "nothing.npz")
    assert isinstance(e.value, ddaebm.Error)

    path = tmp_path / "c.npz"
    m.save(path)
    good = path.read_bytes()
    # Flip one byte inside the energy's first weight matrix.
    i = good.index(b"energy/") + 400
    path.write_bytes(good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1:])
    with pytest.raises(ddaebm.Error, match="c.npz") as e:
        ddaebm.Model.load(path)
    assert not isinstance(e.value, (ValueError, ddaebm.GoPanic))
    assert "sha" in str(e.value).lower() or "checksum" in str(e.value).lower()

    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ddaebm.Error, match="c.npz"):
        ddaebm.Model.load(path)
    path.write_bytes(b"")
    with pytest.raises(ddaebm.Error, match="c.npz"):
        ddaebm.Model.load(path)


def test_metric_arguments():
    with pytest.raises(ValueError, match=r"scores_in: expected a non-empty 1-D array, got shape \(0,\)"):
        ddaebm.metrics.auroc([], [1.0])
    with pytest.raises(ValueError, match="scores_out: value at index 1 is NaN"):
        ddaebm.metrics.auroc([1.0], [0.0, np.nan])
    with pytest.raises(ValueError, match=r"y: expected shape \(n, 2\), got \(3, 3\)"):
        ddaebm.metrics.mmd(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="bandwidth must be a positive finite number, got 0.0"):
        ddaebm.metrics.mmd(np.zeros((3, 2)), np.ones((3, 2)), bandwidth=0)
    with pytest.raises(ValueError, match="median heuristic"):
        ddaebm.metrics.mmd(np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="give both centres and sigma"):
        ddaebm.metrics.mode_coverage(np.zeros((3, 2)), centres=np.zeros((2, 2)))
