import json

import numpy as np
import pytest
from conftest import small

import ddaebm

STATS = {"loss_e", "penalty", "e_gap", "loss_g", "l2"}


def test_toy_model_configuration():
    m = ddaebm.Model.toy("8gaussians", hidden=24, T=3, ablation="no-encoder", seed=5)
    c = m.config
    assert (c["data"], c["hidden"], c["T"], c["ablation"], c["seed"], c["dim"]) == \
        ("8gaussians", 24, 3, "no-encoder", 5, 2)
    assert c["gamma"] == 0.02 and c["batch"] == 200 and c["lr"] == 1e-4  # the paper's defaults
    assert m.step == 0 and m.dim == 2
    assert "8gaussians" in repr(m) and "step=0" in repr(m)


def test_fit_sample_energy_density():
    m = small()
    h = m.fit("pinwheel", 30, progress=False)
    assert m.step == 30
    assert set(h) == STATS | {"step"}
    np.testing.assert_array_equal(h["step"], np.arange(1, 31))
    for k in STATS:
        assert h[k].shape == (30,) and h[k].dtype == np.float64 and np.isfinite(h[k]).all()
    assert (h["penalty"] > 0).all()

    x = m.sample(123, seed=4)
    assert x.shape == (123, 2) and x.dtype == np.float32 and np.isfinite(x).all()
    np.testing.assert_array_equal(x, m.sample(123, seed=4))
    assert not np.array_equal(x, m.sample(123, seed=5))

    e = m.energy(x)
    assert e.shape == (123,) and e.dtype == np.float64
    np.testing.assert_array_equal(e, m.energy(x.astype(np.float64)))  # explicit conversion
    np.testing.assert_array_equal(e[::2], m.energy(x[::2]))  # strided views are copied
    assert not np.array_equal(e, m.energy(x, k=3))
    assert m.energy(np.zeros((0, 2))).shape == (0,)

    xs, ys, p = m.density_grid(n=50)
    lim = ddaebm.toy_limit("pinwheel")
    assert xs.shape == ys.shape == (50,) and p.shape == (50, 50)
    assert xs[0] == pytest.approx(-lim + lim / 50) and xs[-1] == pytest.approx(lim - lim / 50)
    assert p.sum() * (2 * lim / 50) ** 2 == pytest.approx(1, abs=1e-9)
    # p[i, j] is the density at (xs[j], ys[i]): proportional to exp(E).
    i, j = 10, 37
    ratio = p[i, j] / p[j, i]
    e_ij = m.energy(np.array([[xs[j], ys[i]], [xs[i], ys[j]]]))
    assert ratio == pytest.approx(np.exp(e_ij[0] - e_ij[1]), rel=1e-4)


def test_training_moves_samples_to_the_data():
    m = ddaebm.Model.toy("25gaussians", hidden=32, batch=64, seed=1, lr=3e-4)
    before = m.evaluate_toy(grid_n=60, test_n=500, sample_n=500)
    m.fit("25gaussians", 300, progress=False)
    after = m.evaluate_toy(grid_n=60, test_n=500, sample_n=500)
    assert set(after) == {"grid_nll", "grid_lim", "kl_grid", "mmd", "modes_covered", "hq_fraction"}
    assert after["mmd"] < before["mmd"] / 3
    assert isinstance(after["modes_covered"], int)
    # grid_nll = -mean(E(x) - log Z), with Z the normaliser of density_grid.
    x = ddaebm.toy("25gaussians", 500, seed=2)
    xs, ys, p = m.density_grid(n=60)
    log_z = m.energy(np.array([[xs[7], ys[3]]]))[0] - np.log(p[3, 7])
    assert ddaebm.metrics.grid_nll(m, x, n=60) == pytest.approx(-np.mean(m.energy(x) - log_z), rel=1e-5)


def test_general_model_on_arrays(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((400, 5)) @ np.diag([1, 2, 3, 4, 5])
    m = ddaebm.Model({"dim": 5, "hidden": 16, "batch": 32})
    assert m.config["dim"] == 5
    h = m.fit(data, 20, progress=False)
    assert len(h["loss_e"]) == 20
    assert m.sample(10, seed=0).shape == (10, 5)
    assert m.energy(data[:7]).shape == (7,)
    ddaebm.save_npy(tmp_path / "d.npy", data.astype(np.float32))
    m.fit(str(tmp_path / "d.npy"), 5, progress=False)
    m.fit(tmp_path / "d.npy", 5, progress=False)
    assert m.step == 30
    with pytest.raises(ValueError, match="2-D model"):
        m.density_grid(lim=3)


def test_callback_and_stop():
    seen = []
    m = small()
    m.fit("pinwheel", 25, callback=lambda step, metrics: seen.append((step, set(metrics))),
          callback_every=10, progress=False)
    assert [s for s, _ in seen] == [10, 20, 25]
    assert all(keys == STATS for _, keys in seen)

    h = m.fit("pinwheel", 100, callback=lambda step, metrics: step < 40, callback_every=3, progress=False)
    # Calls come at multiples of callback_every (27, 30, …); the one at 42
    # says stop.
    assert m.step == 42 and h["step"][0] == 26 and h["step"][-1] == 42


def test_progress_line_without_tqdm(capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    small().fit("pinwheel", 12, progress=True)
    err = capsys.readouterr().err
    assert "step 12 (12/12, 100%)" in err and "it/s" in err and "loss_e" in err
    small().fit("pinwheel", 12, progress=False)
    assert capsys.readouterr().err == ""


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    small().fit("pinwheel", 12, progress=True)
    err = capsys.readouterr().err
    assert "12/12" in err and "it/s" in err and "loss_e=" in err


def test_fit_seed_makes_training_reproducible():
    a, b, c = small(), small(), small()
    for m in (a, b, c):
        m.fit("pinwheel", 5, progress=False)
    ha = a.fit("pinwheel", 10, seed=9, progress=False)
    hb = b.fit("pinwheel", 10, seed=9, progress=False)
    hc = c.fit("pinwheel", 10, seed=10, progress=False)
    np.testing.assert_array_equal(ha["loss_e"], hb["loss_e"])
    assert not np.array_equal(ha["loss_e"], hc["loss_e"])


def test_save_load_resumes_exactly(tmp_path):
    m = small()
    m.fit("pinwheel", 20, progress=False)
    path = tmp_path / "m.npz"
    m.save(path)
    r = ddaebm.Model.load(path)
    assert r.step == 20 and r.config == m.config
    pts = ddaebm.toy("pinwheel", 50, seed=3)
    np.testing.assert_array_equal(r.energy(pts), m.energy(pts))
    np.testing.assert_array_equal(r.sample(20, seed=1), m.sample(20, seed=1))
    h1, h2 = m.fit("pinwheel", 15, progress=False), r.fit("pinwheel", 15, progress=False)
    np.testing.assert_array_equal(h1["loss_g"], h2["loss_g"])
    assert set(np.load(path).files) >= {"config.json", "meta.json", "rng"}


def test_checkpoint_dir(tmp_path):
    d = tmp_path / "run"
    m = small()
    m.fit("pinwheel", 25, checkpoint_dir=d, checkpoint_every=10, progress=False)
    assert json.loads((d / "config.json").read_text()) == m.config
    assert ddaebm.Model.load(d).step == 25
    m.fit("pinwheel", 5, checkpoint_dir=d, progress=False)  # its own checkpoint: continues
    assert ddaebm.Model.load(d / "checkpoint.npz").step == 30

    other = small(seed=1)
    with pytest.raises(FileExistsError, match="another run"):
        other.fit("pinwheel", 5, checkpoint_dir=d, progress=False)
    assert ddaebm.Model.load(d).step == 30

    resumed = ddaebm.Model.load(d)
    resumed.fit("pinwheel", 5, checkpoint_dir=d, progress=False)
    assert ddaebm.Model.load(d).step == 35


def test_periodic_checkpoints(tmp_path):
    steps = []
    m = small()

    def look(step, _):
        saved = (tmp_path / "checkpoint.npz").exists() and ddaebm.Model.load(tmp_path).step
        steps.append((step, saved))

    m.fit("pinwheel", 30, callback=look, callback_every=5, checkpoint_dir=tmp_path, checkpoint_every=10,
          progress=False)
    assert steps == [(5, False), (10, 10), (15, 10), (20, 20), (25, 20), (30, 30)]


def test_threads_share_a_model():
    from concurrent.futures import ThreadPoolExecutor

    m = small()
    m.fit("pinwheel", 10, progress=False)
    x = ddaebm.toy("pinwheel", 2000, seed=0)
    want_e, want_s = m.energy(x), m.sample(500, seed=3)
    with ThreadPoolExecutor(4) as pool:
        energies = list(pool.map(lambda _: m.energy(x), range(8)))
        samples = list(pool.map(lambda _: m.sample(500, seed=3), range(8)))
    for e in energies:
        np.testing.assert_array_equal(e, want_e)
    for s in samples:
        np.testing.assert_array_equal(s, want_s)


def test_a_fit_owns_the_model():
    """While thread A's fit trains the model, a fit from thread B is refused,
    naming A's call, and cannot change what A trains on; calls that read the
    model are served between A's slices."""
    import threading

    m = small("25gaussians")
    a_running, b_done = threading.Event(), threading.Event()
    data_seen = set()

    def callback(step, _):
        data_seen.add(m.config["data"])
        if step == 10:
            a_running.set()
            b_done.wait(60)

    result = {}
    a = threading.Thread(target=lambda: result.update(
        history=m.fit("25gaussians", 30, callback=callback, callback_every=5, progress=False)), name="trainer")
    a.start()
    try:
        assert a_running.wait(60)
        with pytest.raises(ddaebm.Error, match=r"the model is busy: fit\('25gaussians', 30\) in thread 'trainer' "
                                               r"has been training it since \d\d:\d\d:\d\d") as e:
            m.fit(np.full((50, 2), 3.0), 1, progress=False)
        assert isinstance(e.value, ddaebm.ModelBusyError)
        assert m.config["data"] == "25gaussians"
        x = m.sample(20, seed=0)  # served while A holds the model
        assert m.energy(x).shape == (20,)
    finally:
        b_done.set()
        a.join(60)
    assert m.step == 30 and len(result["history"]["step"]) == 30
    assert data_seen == {"25gaussians"}
    m.fit(np.full((50, 2), 3.0), 1, progress=False)  # A has returned: the model is free
    assert m.step == 31


def test_checkpoint_dir_keeps_the_data(tmp_path):
    """fit on an array keeps it in checkpoint_dir as data.npy, written only
    when it changes, and the model's config names it with its SHA-256."""
    import hashlib

    data = tmp_path / "data.npy"

    def sha():
        return hashlib.sha256(data.read_bytes()).hexdigest()

    m = small()
    x = np.random.default_rng(0).normal(size=(64, 2))
    m.fit(x, 5, checkpoint_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(ddaebm.load_npy(data), x.astype(np.float32))
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["data"] == str(data) and config["data_sha256"] == sha()
    assert config == m.config == ddaebm.Model.load(tmp_path).config
    first = data.stat()
    m.fit(x, 5, checkpoint_dir=tmp_path, progress=False)
    assert data.stat().st_ino == first.st_ino  # the same data is not written again

    # New data: from its first iteration on, the checkpoint names it.
    y = x + 1
    named = []
    m.fit(y, 2, checkpoint_dir=tmp_path, callback=lambda *_: named.append(ddaebm.Model.load(tmp_path).config),
          callback_every=1, progress=False)
    np.testing.assert_array_equal(ddaebm.load_npy(data), y.astype(np.float32))
    assert named[0]["data_sha256"] == sha() != config["data_sha256"]

    m.fit("pinwheel", 2, checkpoint_dir=tmp_path, progress=False)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["data"] == "pinwheel" and "data_sha256" not in config
    m.fit(y, 2, progress=False)  # an array without checkpoint_dir lives nowhere else
    assert m.config["data"] == "" and "data_sha256" not in m.config


def test_device_choice():
    assert ddaebm.Model.toy(hidden=8, device="cpu").device == "cpu"
    auto = ddaebm.Model.toy(hidden=8).device  # the first GPU when one is usable
    assert auto in ("cpu", "cuda:0")
    if auto == "cpu":
        with pytest.raises(ddaebm.Error, match="no usable CUDA device") as e:
            ddaebm.Model.toy(hidden=8, device="cuda")
        assert not isinstance(e.value, ValueError)  # well-formed, but not possible here
    else:
        assert ddaebm.Model.toy(hidden=8, device="cuda").device == "cuda:0"
    with pytest.raises(ValueError, match="want auto, cpu, cuda or cuda:N"):
        ddaebm.Model.toy(hidden=8, device="tpu")
    with pytest.raises(ValueError, match="device must be a string"):
        ddaebm.Model.toy(hidden=8, device=0)


def test_energy_weight_average():
    # energy_ema keeps an average of the energy's weights; scores use it by
    # default and energy_weights switches between it and the last weights.
    m = ddaebm.Model.toy("8gaussians", hidden=16, batch=32, seed=2, energy_ema=0.9)
    assert m.config["energy_ema"] == 0.9 and m.energy_weights == "ema"
    m.fit("8gaussians", 20, progress=False)
    x = ddaebm.toy("8gaussians", 50, seed=1)
    averaged = m.energy(x)
    m.energy_weights = "last"
    assert m.energy_weights == "last"
    last = m.energy(x)
    assert not np.array_equal(averaged, last)
    m.energy_weights = "ema"
    np.testing.assert_array_equal(m.energy(x), averaged)
    with pytest.raises(ddaebm.InvalidArgumentError, match="energy weights \"mean\" are not known"):
        m.energy_weights = "mean"
    # Without an average every choice scores with the last weights.
    plain = small()
    assert plain.energy_weights == "last"
    plain.energy_weights = "ema"
    assert plain.energy_weights == "last"


def test_penalty_sites():
    # penalty_at changes the energy's training (same seed, same
    # data: different weights) and are refused by name when malformed.
    x = ddaebm.toy("8gaussians", 50, seed=1)
    energies = {}
    for opts in ({}, {"penalty_at": "interpolates"}, {"penalty_at": "real+fake"}):
        m = ddaebm.Model.toy("8gaussians", hidden=16, batch=32, seed=2, **opts)
        for key, value in opts.items():
            assert m.config[key] == value
        m.fit("8gaussians", 10, progress=False)
        energies[str(opts)] = m.energy(x)
    plain = energies.pop("{}")
    for name, e in energies.items():
        assert not np.allclose(e, plain), name
    with pytest.raises(ddaebm.InvalidArgumentError, match='penalty-at "everywhere" is not known'):
        ddaebm.Model.toy("8gaussians", hidden=16, penalty_at="everywhere")


def test_generator_weight_average():
    m = ddaebm.Model.toy("8gaussians", hidden=16, batch=32, seed=2, ema=0.9)
    assert m.generator_weights == "ema" and m.energy_weights == "last"
    m.fit("8gaussians", 20, progress=False)
    averaged = m.sample(64, seed=3)
    m.generator_weights = "last"
    last = m.sample(64, seed=3)
    assert m.generator_weights == "last" and not np.array_equal(averaged, last)
    m.generator_weights = "ema"
    np.testing.assert_array_equal(m.sample(64, seed=3), averaged)
