"""Edge values at every entry point: sizes 0, 1 and 2, grids of one cell,
empty and one-row arrays, non-finite settings and misspelt names give a
sane result or a ddaebm.Error subclass saying what is wrong, never a Go
panic (ddaebm.GoPanic)."""

import math
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from conftest import REPO, small

import ddaebm
from ddaebm import metrics

# The train mnist command's settings, with tiny networks.
TINY_IMAGES = {
    "data": "mnist", "dim": 784, "model": "mnist-nice", "beta_max": 10, "w_fake": 0.1,
    "post_var_floor": 0, "post_var_floor_step": 1, "z_dim": 4, "hidden": 8, "gen_hidden": 8, "batch": 4,
}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    """Builds python/tests/testdata/fixtures, which writes files with the
    project's own Go writers; returns a function running it."""
    go = shutil.which(os.environ.get("GO") or "go")
    if go is None:
        pytest.skip("these tests need Go to build their fixture writer")
    exe = tmp_path_factory.mktemp("bin") / "fixtures"
    subprocess.run([go, "build", "-o", str(exe), "./python/tests/testdata/fixtures"], cwd=REPO, check=True)
    return lambda *args: subprocess.run([str(exe), *map(str, args)], check=True)


@pytest.fixture(scope="module")
def toy_model():
    return small()


@pytest.fixture(scope="module")
def image_model():
    return ddaebm.Model(TINY_IMAGES)


@pytest.fixture(scope="module")
def stacked_model():
    return ddaebm.Model({**TINY_IMAGES, "data": "stackedmnist", "dim": 2352})


def points(n, d=2):
    return np.random.default_rng(n).normal(size=(n, d)).astype(np.float32)


def finite(*values):
    return all(v is None or math.isfinite(v) for v in values)


def shape(*want):
    return lambda a: a.shape == want and np.isfinite(a).all()


def toy_metrics(r):
    return finite(r["grid_nll"], r["mmd"], r["kl_grid"], r["hq_fraction"])


def density(n):
    cell = 2 * ddaebm.toy_limit("pinwheel") / n
    return lambda r: r[2].shape == (n, n) and math.isclose(r[2].sum() * cell**2, 1)


def history(n):
    return lambda h: len(h["loss_e"]) == n and np.isfinite(h["loss_e"]).all()


def likelihood(n):
    return lambda r: r["n"] == n and finite(r["test_ll_logit_nats"], r["bits_per_dim"])


def in_unit(v):
    return 0 <= v <= 1


def npy_round_trip(tmp_path, a):
    ddaebm.save_npy(tmp_path / "a.npy", a)
    return ddaebm.load_npy(tmp_path / "a.npy")


Invalid, Missing = ddaebm.InvalidArgumentError, ddaebm.MissingFileError

# (name, call(models, tmp_path), expected): expected is a predicate the
# result must satisfy, or (exception class, regular expression) it must
# raise. models holds "toy", "images" and "stacked".
CASES = [
    ("toy n=0", lambda m, p: ddaebm.toy("pinwheel", 0), shape(0, 2)),
    ("toy n=1", lambda m, p: ddaebm.toy("pinwheel", 1), shape(1, 2)),
    ("toy n=2", lambda m, p: ddaebm.toy("pinwheel", 2), shape(2, 2)),
    ("Model.toy misspelt", lambda m, p: ddaebm.Model.toy("25gausians"),
     (Invalid, r"'25gausians' is not a toy set \(known: 25gaussians, 8gaussians,")),
    ("Model.toy .npy", lambda m, p: ddaebm.Model.toy("data.npy"), (Invalid, "use Model")),
    ("Model data misspelt", lambda m, p: ddaebm.Model({"data": "nonsense"}),
     (Invalid, r'data "nonsense" is not a toy set \(25gaussians, 8gaussians,')),
    ("Model data .npy", lambda m, p: ddaebm.Model({"data": "/moved/away.npy", "dim": 3}).dim, lambda d: d == 3),
    ("Model lr NaN", lambda m, p: ddaebm.Model.toy("pinwheel", lr=float("nan")),
     (Invalid, "lr must be a finite number > 0, got NaN")),
    ("Model gamma Inf", lambda m, p: ddaebm.Model.toy("pinwheel", gamma=float("inf")),
     (Invalid, r"gamma must be a finite number ≥ 0, got \+Inf")),
    ("Model beta_min -Inf", lambda m, p: ddaebm.Model.toy("pinwheel", beta_min=-math.inf),
     (Invalid, "beta-min -Inf")),
    ("Model T NaN", lambda m, p: ddaebm.Model.toy("pinwheel", T=float("nan")),
     (Invalid, "T takes a value of type int")),
    ("sample n=0", lambda m, p: m["toy"].sample(0), (Invalid, "n must be ≥ 1")),
    ("sample n=1", lambda m, p: m["toy"].sample(1, seed=1), shape(1, 2)),
    ("sample n=2", lambda m, p: m["toy"].sample(2, seed=1), shape(2, 2)),
    ("sample images n=1", lambda m, p: m["images"].sample(1, seed=1), shape(1, 784)),
    ("energy 0 rows", lambda m, p: m["toy"].energy(points(0)), shape(0)),
    ("energy 1 row", lambda m, p: m["toy"].energy(points(1)), shape(1)),
    ("energy 2 rows", lambda m, p: m["toy"].energy(points(2)), shape(2)),
    ("density_grid n=0", lambda m, p: m["toy"].density_grid(n=0), (Invalid, "n must be ≥ 1")),
    ("density_grid n=1", lambda m, p: m["toy"].density_grid(n=1), density(1)),
    ("density_grid n=2", lambda m, p: m["toy"].density_grid(n=2), density(2)),
    ("evaluate_toy n=0", lambda m, p: m["toy"].evaluate_toy(test_n=0, sample_n=0, grid_n=5), (Invalid, "≥ 1")),
    ("evaluate_toy n=1", lambda m, p: m["toy"].evaluate_toy(test_n=1, sample_n=1, grid_n=5),
     (Invalid, "test_n ≥ 2")),
    ("evaluate_toy n=2", lambda m, p: m["toy"].evaluate_toy(test_n=2, sample_n=2, grid_n=5), toy_metrics),
    ("evaluate_toy 1 sample", lambda m, p: m["toy"].evaluate_toy(test_n=2, sample_n=1, grid_n=5), toy_metrics),
    ("evaluate_toy grid 1", lambda m, p: m["toy"].evaluate_toy(test_n=5, sample_n=5, grid_n=1), toy_metrics),
    ("evaluate_toy grid 2", lambda m, p: m["toy"].evaluate_toy(test_n=5, sample_n=5, grid_n=2), toy_metrics),
    ("fit 0 rows", lambda m, p: small().fit(points(0), 1, progress=False), (Invalid, "holds no examples")),
    ("fit 1 row", lambda m, p: small().fit(points(1), 1, progress=False), history(1)),
    ("fit 2 rows", lambda m, p: small().fit(points(2), 2, progress=False), history(2)),
    ("fit iters=0", lambda m, p: small().fit("pinwheel", 0, progress=False), (Invalid, "iters must be ≥ 1")),
    ("fit iters=1", lambda m, p: small().fit("pinwheel", 1, progress=False), history(1)),
    ("fit data 1e30", lambda m, p: small().fit(np.full((4, 2), 1e30), 1, progress=False),
     (Invalid, r"value 1e\+30 at row 0, column 0, out of the range ±1e\+09")),
    ("fit misspelt toy set", lambda m, p: small().fit("25gausians", 1, progress=False),
     (Missing, r"'25gausians' is not a toy set \(known: 25gaussians, .*\) nor an existing \.npy file")),
    ("fit missing .npy", lambda m, p: small().fit(p / "gone.npy", 1, progress=False),
     (Missing, r"gone\.npy' is not a toy set .* nor an existing \.npy file")),
    ("fit empty .npy", lambda m, p: (ddaebm.save_npy(p / "e.npy", points(0)),
                                     small().fit(p / "e.npy", 1, progress=False)), (ddaebm.Error, r"e\.npy: shape \(0, 2\) holds no examples")),
    ("fit one-row .npy", lambda m, p: (ddaebm.save_npy(p / "o.npy", points(1)),
                                       small().fit(p / "o.npy", 1, progress=False))[1], history(1)),
    ("save/load 0 rows", lambda m, p: npy_round_trip(p, points(0)), shape(0, 2)),
    ("save/load 1 row", lambda m, p: npy_round_trip(p, points(1)), shape(1, 2)),
    ("save/load empty 1-D", lambda m, p: npy_round_trip(p, np.zeros(0)), shape(0)),
    ("save/load 0-d", lambda m, p: npy_round_trip(p, np.float32(3)), shape()),
    ("load missing", lambda m, p: ddaebm.load_npy(p / "gone.npy"), (Missing, "gone.npy")),
    ("mmd n=0", lambda m, p: metrics.mmd(points(0), points(0)), (Invalid, "need points")),
    ("mmd n=1", lambda m, p: metrics.mmd(points(1), points(1)), (Invalid, "median heuristic")),
    ("mmd n=1 apart", lambda m, p: metrics.mmd(points(1), points(1) + 1), lambda v: v > 0),
    ("mmd n=2", lambda m, p: metrics.mmd(points(2), points(2)), lambda v: v == 0),
    ("mmd bandwidth 0", lambda m, p: metrics.mmd(points(2), points(2), bandwidth=0), (Invalid, "bandwidth")),
    ("median_bandwidth n=1", lambda m, p: metrics.median_bandwidth(points(1), points(1)), lambda v: v == 0),
    ("median_bandwidth n=2", lambda m, p: metrics.median_bandwidth(points(2), points(2)), lambda v: v > 0),
    ("auroc n=0", lambda m, p: metrics.auroc([], [1.0]), (Invalid, "non-empty")),
    ("auroc n=1", lambda m, p: metrics.auroc([1.0], [0.0]), lambda v: v == 1),
    ("auroc n=2", lambda m, p: metrics.auroc([0.0, 1.0], [0.5, 0.5]), lambda v: v == 0.5),
    ("mode_coverage n=0", lambda m, p: metrics.mode_coverage(points(0)), (Invalid, "needs samples")),
    ("mode_coverage n=1", lambda m, p: metrics.mode_coverage(metrics.gaussians25_centres()[:1]),
     lambda r: r == (1, 1.0)),
    ("mode_coverage n=2", lambda m, p: metrics.mode_coverage(points(2) + 100), lambda r: r == (0, 0.0)),
    ("grid_nll n=0", lambda m, p: metrics.grid_nll(m["toy"], points(0), n=3), (Invalid, "no points")),
    ("grid_nll n=1 grid 1", lambda m, p: metrics.grid_nll(m["toy"], points(1), n=1), finite),
    ("grid_nll n=2 grid 2", lambda m, p: metrics.grid_nll(m["toy"], points(2), n=2), finite),
    ("preprocess 0 rows", lambda m, p: ddaebm.preprocess(np.zeros((0, 784)), seed=1), shape(0, 784)),
    ("preprocess 1 row", lambda m, p: ddaebm.preprocess(np.full((1, 784), 0.5), seed=1), shape(1, 784)),
    ("ood_sets 0 rows", lambda m, p: ddaebm.ood_sets(np.zeros((0, 784)), seed=1)["uniform"], shape(0, 784)),
    ("ood_sets 1 row", lambda m, p: ddaebm.ood_sets(np.full((1, 784), 0.5), seed=1)["inverted"], shape(1, 784)),
    ("log_likelihood 0 rows", lambda m, p: ddaebm.log_likelihood(m["images"], np.zeros((0, 784))),
     (Invalid, "at least one image")),
    ("log_likelihood 1 row", lambda m, p: ddaebm.log_likelihood(m["images"], np.full((1, 784), 0.5)), likelihood(1)),
    ("log_likelihood 2 rows", lambda m, p: ddaebm.log_likelihood(m["images"], np.full((2, 784), 0.5)), likelihood(2)),
    ("log_likelihood toy", lambda m, p: m["toy"].log_likelihood(points(2)), (Invalid, "normalised density")),
    ("ood_auroc 0 rows", lambda m, p: ddaebm.ood_auroc(m["images"], np.zeros((0, 784))), (Invalid, "no images")),
    ("ood_auroc 1 row", lambda m, p: ddaebm.ood_auroc(m["images"], np.full((1, 784), 0.5))[0],
     lambda r: all(map(in_unit, r.values()))),
    ("ood_auroc 2 rows one extra", lambda m, p: ddaebm.ood_auroc(
        m["images"], np.full((2, 784), 0.5), extra={"x": np.zeros((1, 784))})[0], lambda r: in_unit(r["x"])),
    ("ood_auroc empty extra", lambda m, p: ddaebm.ood_auroc(
        m["images"], np.full((2, 784), 0.5), extra={"x": np.zeros((0, 784))}), (Invalid, "has no images")),
]


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_edge_values(name, call, expected, toy_model, image_model, stacked_model, tmp_path):
    models = {"toy": toy_model, "images": image_model, "stacked": stacked_model}
    check(lambda: call(models, tmp_path), expected)


def check(call, expected):
    try:
        result = call()
    except ddaebm.GoPanic as e:
        pytest.fail(f"Go panicked: {e}")
    except ddaebm.Error as e:
        if callable(expected) and not isinstance(expected, tuple):
            pytest.fail(f"raised {type(e).__name__}: {e}")
        cls, pattern = expected
        assert isinstance(e, cls), f"raised {type(e).__name__}: {e}; want {cls.__name__}"
        assert re.search(pattern, str(e)), f"{e!s} does not match {pattern!r}"
        return
    assert not isinstance(expected, tuple), f"returned {result!r}; want {expected[0].__name__} matching {expected[1]!r}"
    assert expected(result), f"returned {result!r}"


@pytest.mark.parametrize("n", [0, 1, 2])
def test_stacked_mnist_modes(n, stacked_model, fixtures, tmp_path):
    classifier = tmp_path / "classifier.npz"
    fixtures("classifier", classifier)
    if n == 0:
        check(lambda: ddaebm.stacked_mnist_modes(stacked_model, classifier, n=0), (Invalid, "n must be ≥ 1"))
        return
    r = ddaebm.stacked_mnist_modes(stacked_model, classifier, n=n, seed=1)
    assert r["n"] == n and 1 <= r["modes_covered"] <= n and finite(r["kl_uniform"])


def test_stacked_mnist_modes_of_an_image_model(fixtures, tmp_path):
    classifier = tmp_path / "classifier.npz"
    fixtures("classifier", classifier)
    tiny = dict(nf=4, ch_mult=[1, 2], res_blocks=1, attn_res=[], z_embed=4, map_layers=1, enc_width=2, enc_temb=4, z_dim=3)
    m = ddaebm.Model.image("stackedmnist", "xs", device="cpu", **tiny)
    r = ddaebm.stacked_mnist_modes(m, classifier, n=5, seed=1)
    assert r["n"] == 5 and 1 <= r["modes_covered"] <= 5 and finite(r["kl_uniform"])
    grey = ddaebm.Model.image(np.zeros((2, 1, 8, 8), np.uint8), "xs", device="cpu", **tiny)
    check(lambda: ddaebm.stacked_mnist_modes(grey, classifier, n=5), (Invalid, "3-channel StackedMNIST"))


def test_load_refuses_non_finite_weights(toy_model, fixtures, tmp_path):
    good, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    toy_model.save(good)
    name = "adam/m/energy/x.0.fc/W"
    fixtures("damage", good, bad, name)
    with pytest.raises(ddaebm.Error, match=f'array "{name}" holds NaN at row 0, column 0') as e:
        ddaebm.Model.load(bad)
    assert not isinstance(e.value, ddaebm.GoPanic)
