"""MNIST data and evaluation: the numbers of the train mnist and evaluate
ood commands, from Python."""

import json
import math
import subprocess

import numpy as np
import pytest

import ddaebm
from ddaebm.mnist import EVAL_SEED, ood_set_names

OOD_NAMES = ["uniform", "gaussian", "constant", "inverted", "noise_0.01", "noise_0.1", "noise_0.5"]

# The train mnist command's defaults, with tiny networks.
TINY_MNIST = {
    "data": "mnist", "dim": 784, "model": "mnist-nice", "T": 4, "beta_min": 0.1, "beta_max": 10,
    "gamma": 0.02, "w_fake": 0.1, "w_ent": 0.1, "post_var_floor": 0, "post_var_floor_step": 1,
    "z_dim": 50, "hidden": 8, "gen_hidden": 8, "batch": 32, "seed": 0,
}


@pytest.fixture(scope="module")
def test_set():
    return ddaebm.mnist("test")


@pytest.fixture(scope="module")
def cli_run(go_commands, tmp_path_factory):
    """A two-iteration train mnist run of tiny networks: its directory."""
    out = tmp_path_factory.mktemp("mnist") / "run"
    run(go_commands["train"], "mnist", "-iters", "2", "-hidden", "8", "-gen-hidden", "8", "-batch", "32",
        "-eval-n", "200", "-samples", "4", "-quiet", "-out", str(out))
    return out


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r


def test_mnist_splits(test_set):
    x, y = test_set
    assert x.shape == (10000, 784) and x.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert x.min() == 0 and x.max() == 1
    np.testing.assert_allclose(x * 255, np.round(x * 255), atol=1e-4)  # levels k/255
    assert set(np.unique(y).tolist()) == set(range(10))
    assert 0.1 < x.mean() < 0.15  # mostly background
    train_x, train_y = ddaebm.mnist("train")
    assert train_x.shape == (60000, 784) and train_y.shape == (60000,)
    assert not np.array_equal(train_x[:10000], x)


def test_mnist_errors(tmp_path):
    with pytest.raises(ValueError, match='"validation" is not known.*"train" or "test"'):
        ddaebm.mnist("validation")
    with pytest.raises(ddaebm.InvalidArgumentError):
        ddaebm.mnist(0)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz is missing"):
        ddaebm.mnist("test", mnist_dir=tmp_path)


def test_preprocess_is_dequantised_logit(test_set):
    p = test_set[0][:300]
    y = ddaebm.preprocess(p, seed=3)
    assert y.shape == p.shape and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_array_equal(y, ddaebm.preprocess(p, seed=3))
    assert not np.array_equal(y, ddaebm.preprocess(p, seed=4))
    assert not np.array_equal(y, ddaebm.preprocess(p))

    # y = log(d/(1−d)) for d = clamp(p + (u − ½)/256, 1e-3, 1 − 1e-3).
    d = 1 / (1 + np.exp(-y.astype(np.float64)))
    p64 = p.astype(np.float64)
    lo = np.clip(p64 - 1 / 512, 1e-3, 1 - 1e-3)
    hi = np.clip(p64 + 1 / 512, 1e-3, 1 - 1e-3)
    assert (d >= lo - 1e-6).all() and (d <= hi + 1e-6).all()
    np.testing.assert_allclose(y, np.log(d / (1 - d)), atol=1e-4)
    np.testing.assert_allclose(y, np.log(np.clip(p64, 1e-3, 1 - 1e-3) / (1 - np.clip(p64, 1e-3, 1 - 1e-3))),
                               atol=0.7)  # the noise moves a black pixel from logit(1e-3) by < 0.7
    # The noise is uniform with width 1/256: mean 0, standard deviation 1/(256·√12).
    mid = (p64 > 0.05) & (p64 < 0.95)
    noise = (d - p64)[mid]
    assert abs(noise.mean()) < 1e-4
    assert noise.std() == pytest.approx(1 / 256 / math.sqrt(12), rel=0.05)


def test_preprocess_rejects_bad_pixels():
    with pytest.raises(ValueError, match=r"row 0, column 1 is 2; pixel values must lie in \[0, 1\]"):
        ddaebm.preprocess(np.array([[0, 2, 255]], dtype=np.uint8))
    with pytest.raises(ValueError, match="finite"):
        ddaebm.preprocess(np.array([[0.5, np.nan]]))
    with pytest.raises(ValueError, match="shape"):
        ddaebm.preprocess(np.zeros(784))


def test_ood_sets(test_set):
    x = test_set[0][:40]
    assert ood_set_names() == OOD_NAMES
    sets = ddaebm.ood_sets(x, seed=5)
    assert list(sets) == OOD_NAMES
    for name, s in sets.items():
        assert s.shape == x.shape and s.dtype == np.float32, name
        assert s.min() >= 0 and s.max() <= 1, name
    np.testing.assert_array_equal(sets["inverted"], 1 - x)
    c = sets["constant"]
    np.testing.assert_array_equal(c, np.repeat(c[:, :1], 784, axis=1))
    assert sets["uniform"].mean() == pytest.approx(0.5, abs=0.01)
    assert np.abs(sets["noise_0.01"] - x).max() < 0.1
    for name, s in ddaebm.ood_sets(x, seed=5).items():
        np.testing.assert_array_equal(s, sets[name])
    assert not np.array_equal(ddaebm.ood_sets(x, seed=6)["uniform"], sets["uniform"])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ddaebm.ood_sets(x * 255)


def test_log_likelihood_of_a_fresh_model(test_set):
    m = ddaebm.Model(TINY_MNIST)
    assert m.config["model"] == "mnist-nice" and m.dim == 784
    x = test_set[0][:100]
    r = ddaebm.log_likelihood(m, x)
    assert set(r) == {"n", "test_ll_logit_nats", "test_ll_pixel_nats", "bits_per_dim"}
    assert r["n"] == 100
    assert all(math.isfinite(v) for v in r.values())
    assert r["bits_per_dim"] == pytest.approx(-r["test_ll_pixel_nats"] / 784 / math.log(2) + 8, abs=1e-9)
    assert m.log_likelihood(x) == r
    assert ddaebm.log_likelihood(m, x, seed=EVAL_SEED) == r
    assert ddaebm.log_likelihood(m, x, seed=1) != r
    # The mean of E(y, 0) over the preprocessed set, y = preprocess(x, seed).
    e = m.energy(ddaebm.preprocess(x, seed=EVAL_SEED))
    assert r["test_ll_logit_nats"] == pytest.approx(e.mean(), rel=1e-9)

    with pytest.raises(ValueError, match="dimension 784"):
        m.log_likelihood(x[:, :100])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.log_likelihood(x * 255)
    with pytest.raises(ValueError, match="at least one image"):
        m.log_likelihood(x[:0])


def test_log_likelihood_needs_a_normalised_density():
    toy = ddaebm.Model.toy("pinwheel", hidden=8)
    with pytest.raises(ddaebm.Error, match='type "toy" has none.*mnist-nice'):
        ddaebm.log_likelihood(toy, np.full((3, 2), 0.5))
    with pytest.raises(ddaebm.Error, match="mnist-nice"):
        toy.log_likelihood(np.full((3, 784), 0.5))
    with pytest.raises(ValueError, match="ddaebm.Model"):
        ddaebm.log_likelihood("runs/mnist", np.full((3, 784), 0.5))


def test_log_likelihood_matches_train_mnist(cli_run, test_set):
    metrics = json.loads((cli_run / "metrics.json").read_text())
    m = ddaebm.Model.load(cli_run)
    assert m.step == 2
    r = ddaebm.log_likelihood(m, test_set[0])
    assert r["n"] == metrics["n"] == 10000
    for k in ("test_ll_logit_nats", "test_ll_pixel_nats", "bits_per_dim"):
        assert r[k] == pytest.approx(metrics[k], rel=1e-9), k  # a seed off moves them by ~4e-6
    assert m.log_likelihood(test_set[0]) == r


def test_ood_auroc_matches_evaluate_ood(cli_run, test_set, go_commands, tmp_path):
    out = tmp_path / "ood.json"
    run(go_commands["evaluate"], "ood", "-checkpoint", str(cli_run / "checkpoint.npz"), "-n", "150",
        "-seed", "7", "-out", str(out), "-png", "")
    cli = json.loads(out.read_text())
    m = ddaebm.Model.load(cli_run)
    auc, scores = ddaebm.ood_auroc(m, test_set[0][:150], seed=7)
    assert set(auc) == set(cli["auroc"]) == set(OOD_NAMES) | {"generator_1step", "generator"}
    for k, v in cli["auroc"].items():
        assert auc[k] == pytest.approx(v, abs=1e-12), k
    for k, v in cli["mean_score"].items():
        assert scores[k].mean() == pytest.approx(v, rel=1e-9), k


def test_ood_auroc_of_a_small_model(test_set):
    m = ddaebm.Model(TINY_MNIST)
    x = test_set[0][:60]
    blank = np.zeros((25, 784), dtype=np.uint8)
    auc, scores = ddaebm.ood_auroc(m, x, extra={"blank": blank})
    assert list(auc) == OOD_NAMES + ["blank", "generator_1step", "generator"]
    assert all(0 <= v <= 1 for v in auc.values())
    assert list(scores) == ["mnist"] + list(auc)
    for k, s in scores.items():
        assert s.dtype == np.float64 and np.isfinite(s).all(), k
        assert s.shape == ((25,) if k == "blank" else (60,)), k
    for k, v in auc.items():
        assert v == ddaebm.metrics.auroc(scores["mnist"], scores[k])
    # The inverted digits are not the digits: the score tells them apart
    # unless it is constant.
    assert auc["inverted"] != 0.5
    again, _ = ddaebm.ood_auroc(m, x, extra={"blank": blank})
    assert again == auc

    with pytest.raises(ValueError, match="extra set name 'uniform'"):
        ddaebm.ood_auroc(m, x, extra={"uniform": blank})
    with pytest.raises(ValueError, match="extra set name 'mnist'"):
        ddaebm.ood_auroc(m, x, extra={"mnist": blank})
    with pytest.raises(ValueError, match="shape"):
        ddaebm.ood_auroc(m, x[:, :10])
    with pytest.raises(ValueError, match="no images"):
        ddaebm.ood_auroc(m, x[:0])


def test_ood_scores_draw_energy_histograms(test_set):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    m = ddaebm.Model(TINY_MNIST)
    _, scores = ddaebm.ood_auroc(m, test_set[0][:20], seed=1)
    ax = ddaebm.plot.energy_histograms(scores)
    assert len(ax.get_legend().get_texts()) == 1 + len(OOD_NAMES) + 2  # mnist, the sets, the generator's two


def test_stacked_mnist_modes_match_evaluate_modes(go_commands, tmp_path):
    classifier = tmp_path / "classifier.npz"
    run(go_commands["evaluate"], "classifier", "-out", str(classifier), "-epochs", "1", "-conv1", "2",
        "-conv2", "2", "-hidden", "8", "-batch", "256")
    run_dir = tmp_path / "stacked"
    run(go_commands["train"], "mnist", "-data", "stackedmnist", "-iters", "2", "-hidden", "8",
        "-gen-hidden", "8", "-batch", "32", "-eval-n", "20", "-samples", "4", "-quiet", "-out", str(run_dir))
    m = ddaebm.Model.load(run_dir)
    for bn in ("running", "batch"):
        out = tmp_path / f"modes_{bn}.json"
        run(go_commands["evaluate"], "modes", "-checkpoint", str(run_dir / "checkpoint.npz"), "-classifier",
            str(classifier), "-n", "300", "-seed", "5", "-bn-stats", bn, "-out", str(out))
        cli = json.loads(out.read_text())
        r = ddaebm.stacked_mnist_modes(m, classifier, n=300, seed=5, bn_stats=bn)
        assert r["modes_covered"] == cli["modes_covered"] and 1 <= r["modes_covered"] <= 300
        assert r["kl_uniform"] == pytest.approx(cli["kl_uniform"], rel=1e-12)
        assert r["kl_sampling_floor"] == pytest.approx(999 / 600)
    with pytest.raises(ValueError, match="2352-dimensional StackedMNIST"):
        ddaebm.stacked_mnist_modes(ddaebm.Model(TINY_MNIST), classifier, n=10)
    with pytest.raises(ValueError, match="want running or batch"):
        ddaebm.stacked_mnist_modes(m, classifier, n=10, bn_stats="mean")
    with pytest.raises(FileNotFoundError):
        ddaebm.stacked_mnist_modes(m, tmp_path / "none.npz", n=10)

