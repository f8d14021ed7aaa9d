import numpy as np
import pytest

import ddaebm


def test_toy_sets():
    names = ddaebm.toy_names()
    assert {"25gaussians", "8gaussians", "pinwheel", "swissroll", "checkerboard", "rings"} <= set(names)
    for name in names:
        x = ddaebm.toy(name, 500, seed=1)
        assert x.shape == (500, 2) and x.dtype == np.float32
        assert np.isfinite(x).all()
        assert np.abs(x).max() <= ddaebm.toy_limit(name)
    assert ddaebm.toy("pinwheel", 0).shape == (0, 2)


def test_toy_seeds():
    a, b = ddaebm.toy("rings", 100, seed=7), ddaebm.toy("rings", 100, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, ddaebm.toy("rings", 100, seed=8))
    assert not np.array_equal(ddaebm.toy("rings", 100), ddaebm.toy("rings", 100))


def test_25gaussians_sits_on_its_centres():
    x = ddaebm.toy("25gaussians", 2000, seed=0)
    modes, hq = ddaebm.metrics.mode_coverage(x)
    assert modes == 25 and hq > 0.98  # a 2-D Gaussian puts e^-4.5 ≈ 1.1% beyond 3σ


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int64])
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5)])
def test_npy_round_trip_matches_numpy(tmp_path, dtype, shape):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 50).astype(dtype)
    ours, theirs = tmp_path / "ours.npy", tmp_path / "theirs.npy"
    ddaebm.save_npy(ours, a)
    np.save(theirs, a)
    assert ours.read_bytes() == theirs.read_bytes()
    back = ddaebm.load_npy(theirs)
    assert back.dtype == a.dtype and back.shape == a.shape
    np.testing.assert_array_equal(back, a)


def test_save_npy_converts_layouts(tmp_path):
    a = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    ddaebm.save_npy(tmp_path / "f.npy", a)
    ddaebm.save_npy(tmp_path / "s.npy", a[:, ::2])
    np.testing.assert_array_equal(np.load(tmp_path / "f.npy"), a)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), a[:, ::2])


def test_npy_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npy"):
        ddaebm.load_npy(tmp_path / "missing.npy")
    with pytest.raises(ValueError, match="float16 is not supported: convert to float32"):
        ddaebm.save_npy(tmp_path / "h.npy", np.zeros(3, np.float16))
    with pytest.raises(ValueError, match="not supported"):
        ddaebm.save_npy(tmp_path / "b.npy", np.zeros(3, ">f4"))
    np.save(tmp_path / "t.npy", np.zeros((100, 2), np.float32))
    data = (tmp_path / "t.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:-10])
    with pytest.raises(ddaebm.Error, match="t.npy"):
        ddaebm.load_npy(tmp_path / "t.npy")
    (tmp_path / "junk.npy").write_bytes(b"not numpy at all")
    with pytest.raises(ddaebm.Error, match="junk.npy"):
        ddaebm.load_npy(tmp_path / "junk.npy")
