"""The Model class: a DDAEBM held by the Go engine."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping

import numpy as np

from . import _native as nat
from ._data import toy_limit, toy_names
from ._errors import InvalidArgumentError, MissingFileError, call
from ._progress import Progress

# Longest stretch fit spends inside Go without returning to Python:
# progress and callbacks happen between stretches, and Ctrl-C stops a
# stretch within one operation, mid-iteration.
_SLICE_SECONDS = 0.2
# Most iterations one call into Go may run: it sizes the buffer that call
# writes its losses into (the time slice ends most calls sooner).
_MAX_CALL_STEPS = 4096

Callback = Callable[[int, dict], "bool | None"]


class Model:
    """A Denoising Diffusion Adversarial EBM: energy E(x, k), generator and
    encoder networks, optimisers and random state, held by the Go engine.

    Model(config) builds a freshly initialised model from a configuration
    dict whose keys are those of the checkpoints' config.json ("T",
    "hidden", "gamma", "w_ent", "lr", "batch", "ablation", "seed", "dim",
    …; its "run", the train command's settings, is not the model's and is
    left out); missing keys take the paper's toy defaults. Model.toy(...) is the
    shorthand for 2-D toy sets, Model.load(path) restores a checkpoint
    written by save() or by the train command.

    device: where the model computes, as the commands' -device: "auto"
    (the first CUDA GPU when one is usable, else the CPU), "cpu", or
    "cuda[:N]"; "cuda" without a usable GPU raises ddaebm.Error saying
    why (the driver's reason). The choice made is the attribute `device`
    ("cpu" or "cuda:N"); the model moves there at its first training,
    sampling or scoring call, and its checkpoints load on any device.
    """

    def __init__(self, config: Mapping | None = None, *, device: str = "auto", **overrides):
        self.device = _select_device(device)
        cfg = dict(config or {})
        cfg.pop("run", None)
        cfg.update(overrides)
        data = cfg.get("data", "")
        if not isinstance(data, str):
            raise InvalidArgumentError(f"config 'data' must be a string, got {type(data).__name__}")
        full = json.loads(call(nat.go.DefaultToyConfig, data))
        full.update(cfg)  # the Go side rejects unknown keys, naming them
        self._init(call(nat.go.NewModel, json.dumps(full)), checkpoint=None)

    def _init(self, handle, checkpoint: str | None) -> None:
        self._go = handle
        call(handle.UseDevice, self.device)
        # The checkpoint file this object came from or last wrote: fit may
        # overwrite that one, never another run's.
        self._checkpoint = checkpoint
        self._toy = None  # the toy set last trained on
        self._images = None  # what Model.image was given, fit's default data

    @classmethod
    def toy(cls, data: str = "25gaussians", *, device: str = "auto", **hyperparameters) -> Model:
        """A model for a 2-D toy set with the paper's defaults (T = 4,
        hidden 300, γ = 0.02, Adam(0, 0.9), lr 1e-4, batch 200) and
        w_ent = 0.1, the authors' released code's entropy weight (the
        paper's eq. 17 has 1), overridden by hyperparameters (config keys,
        e.g. hidden=64, seed=0, ablation="no-encoder", w_ent=1). data must
        be one of toy_names(); a model for a .npy file is
        Model({"data": path, "dim": d, ...})."""
        if not isinstance(data, str) or data not in toy_names():
            raise InvalidArgumentError(
                f"{data!r} is not a toy set (known: {', '.join(toy_names())}); "
                "for data in a .npy file use Model({'data': path, 'dim': d})")
        return cls({"data": data, **hyperparameters}, device=device)

    @classmethod
    def image(cls, data="stackedmnist", config: str = "xs", *, device: str = "auto", **overrides) -> Model:
        """A model for images with U-Nets (the paper's image models): the
        energy E(x, k) = −½‖x − U(x, k)‖², a U-Net generator conditioned
        on z and the convolutional encoder, with the training defaults of
        the image runs (T = 4, γ = 0.02, Adam(0, 0.9), lr 1e-4, batch 64,
        weight averages of both players).

        data: "mnist" (1×32×32), "stackedmnist" (3×32×32), the path of an
        (N, C, H, W) .npy file, or such an array (uint8 pixels, or floats
        in [0, 1]); it sets the image size (28×28 is padded to 32×32) and
        is what fit trains on by default. config: the network sizes, "xs"
        (0.3M parameters in the energy, for CPUs), "s", "m" or "cifar10"
        (the authors' CIFAR-10 networks). overrides: config keys (batch=32,
        lr=2e-4, seed=0, …); the network sizes are keys of "net" (nf,
        ch_mult, res_blocks, attn_res, dropout, resample, z_embed,
        map_layers, enc_width, enc_temb) and may be given here too.
        """
        name, (c, h, w) = _image_data(data)
        full = json.loads(call(nat.go.DefaultImageConfig, name, config, h, w, c))
        for key in list(overrides):
            if key in full["net"]:
                full["net"][key] = overrides.pop(key)
        full.update(overrides)
        m = cls(full, device=device)
        m._images = data
        return m

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str = "auto") -> Model:
        """Restore a model from a checkpoint file, or from a directory
        holding checkpoint.npz (a train command's -out or a fit
        checkpoint_dir). A damaged checkpoint raises ddaebm.Error naming
        the array concerned; a missing one FileNotFoundError."""
        path = _checkpoint_file(path)
        m = cls.__new__(cls)
        m.device = _select_device(device)
        m._init(call(nat.go.LoadModel, path), checkpoint=os.path.abspath(path))
        return m

    def save(self, path: str | os.PathLike) -> None:
        """Write the complete training state (weights, optimiser moments,
        batch-norm statistics, random state, step) to path atomically, as
        the .npz the train command writes (numpy.load reads it). A
        directory gets checkpoint.npz inside it."""
        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, "checkpoint.npz")
        call(self._go.Save, path)
        self._checkpoint = os.path.abspath(path)

    @property
    def config(self) -> dict:
        """The configuration (a copy). Only "data" and "data_sha256"
        change: they name what fit last trained on."""
        return self._info()["config"]

    @property
    def step(self) -> int:
        """Training iterations completed."""
        return self._info()["step"]

    @property
    def dim(self) -> int:
        """Data dimension (C·H·W for an image model)."""
        return self.config["dim"]

    @property
    def image_shape(self) -> tuple[int, int, int] | None:
        """(C, H, W) of an image model's images, None for other models."""
        net = self.config.get("net") or {}
        im = net.get("image")
        return (im["C"], im["H"], im["W"]) if im else None

    @property
    def energy_weights(self) -> str:
        """The energy weights that energies, densities, likelihoods and OOD
        scores use: "ema", the energy's weight average (kept when the
        model is made with energy_ema > 0; the default then), or "last",
        the weights after the last training step. Set it to choose; "ema"
        on a model without an average scores with the last weights."""
        return self._info()["energy_weights"]

    @energy_weights.setter
    def energy_weights(self, weights: str) -> None:
        call(self._go.SetWeights, "energy", weights)

    @property
    def generator_weights(self) -> str:
        """The generator weights that samples use: "ema", the generator's
        weight average (kept when the model is made with ema > 0; the
        default then), or "last". Set it to choose, as energy_weights."""
        return self._info()["generator_weights"]

    @generator_weights.setter
    def generator_weights(self, weights: str) -> None:
        call(self._go.SetWeights, "generator", weights)

    def _info(self) -> dict:
        return json.loads(call(self._go.Info))

    def __repr__(self) -> str:
        c, step = self.config, self.step
        return (f"ddaebm.Model(data={c['data']!r}, dim={c['dim']}, T={c['T']}, hidden={c['hidden']}, "
                f"ablation={c['ablation']!r}, step={step})")

    def fit(self, data, iters: int, callback: Callback | None = None,
            checkpoint_dir: str | os.PathLike | None = None, seed: int | None = None, *,
            callback_every: int = 100, checkpoint_every: int = 1000, progress: bool = True,
            flip: bool = False) -> dict:
        """Train for iters more iterations.

        An image model (Model.image) trains on "mnist", "stackedmnist", an
        (N, C, H, W) .npy file or array of uint8 pixels or floats in
        [0, 1] (None: what Model.image was given), seen in [−1, 1]; flip
        flips each image left to right with probability ½ (for natural
        images such as CIFAR-10).

        data: a toy set name (see toy_names()), the path of an N×D .npy
        file, or an array of shape (N, dim). Files and arrays are read as the
        train command reads its -data file: float32 and float64 as they are,
        uint8 as 8-bit pixels divided by 255; other dtypes (int64, …) are
        refused, so convert them explicitly (x.astype(np.float32), or
        x / 255 for pixels); NaN and ±Inf are rejected. Toy sets give fresh
        points every batch, arrays are sampled with replacement. The model's
        config then names its data: the toy set, or the absolute path and
        SHA-256 of the file the data lives in ("" for an array with no
        checkpoint_dir).
        callback(step, metrics): called whenever the model's step count is a
        multiple of callback_every, and after the last iteration, with the
        losses of that iteration ("loss_e", "penalty", "e_gap", "loss_g",
        "l2"); returning False stops training there.
        checkpoint_dir: receives checkpoint.npz (at multiples of
        checkpoint_every, at the end, and when training stops on an error or
        Ctrl-C) and config.json, the layout of the train command's -out:
        `train -resume -out DIR` continues it, Model.load(DIR) restores it.
        It may hold only this model's own checkpoint. Data given as an
        array or a file is kept there as data.npy (written when it differs
        from what is there), which the model's config names with its
        SHA-256, so that a resumed run trains on exactly this data.
        seed: restart the random stream of batches and noise before
        training, so this call is reproducible whatever ran before.
        progress: show a progress bar (tqdm if installed, else a status line
        on stderr).

        Ctrl-C (KeyboardInterrupt) stops training within a fraction of a
        second, saves the checkpoint when checkpoint_dir was given and
        re-raises. A non-finite loss raises ddaebm.Error and leaves the
        model (and checkpoint) at the last good iteration.

        A fit owns the model until it returns: fit from another thread
        meanwhile raises ddaebm.ModelBusyError, naming this call and since
        when. Other calls (sample, energy, save, …) are served between the
        slices of about 0.2 s that fit trains in, and see the model as it
        is then.

        Returns the per-iteration history: a dict of 1-D float64 arrays
        "loss_e", "penalty", "e_gap", "loss_g", "l2", and "step" (int64).
        """
        iters = nat.count(iters, "iters")
        callback_every = nat.count(callback_every, "callback_every")
        checkpoint_every = nat.count(checkpoint_every, "checkpoint_every")
        if callback is not None and not callable(callback):
            raise InvalidArgumentError(f"callback must be callable, got {type(callback).__name__}")
        if data is None and self._images is not None:
            data = self._images
        dataset = self._dataset(data)
        session = call(self._go.BeginFit, f"fit({_describe(data)}, {iters}) in thread "
                                          f"{threading.current_thread().name!r}")
        try:
            return self._fit(session, data, dataset, iters, callback, checkpoint_dir, seed,
                             callback_every, checkpoint_every, progress, bool(flip))
        finally:
            call(session.End)

    def _fit(self, session, data, dataset, iters, callback, checkpoint_dir, seed,
             callback_every, checkpoint_every, progress, flip) -> dict:
        ckpt = self._checkpoint_dir(checkpoint_dir)
        before = self.config
        keep = os.path.join(os.path.dirname(ckpt), "data.npy") if ckpt is not None else ""
        if self.image_shape is not None:
            if dataset is None:
                call(session.UseImageSet, data, flip)
            else:
                call(session.UseImages, dataset, keep, flip)
        elif dataset is None:
            call(session.UseToy, data)
        else:
            call(session.UseDataset, dataset, keep)
        self._toy = data if dataset is None and self.image_shape is None else None
        if ckpt is not None:
            self._write_config(os.path.dirname(ckpt))
            if os.path.exists(ckpt) and self.config != before:
                self.save(ckpt)  # this model's checkpoint: it names the data it now trains on
        if seed is not None:
            call(session.Reseed, nat.seed_or_random(seed))

        start, done = self.step, 0
        losses = []  # one (k, 5) array per call into Go
        bar = Progress(iters, enabled=progress)
        try:
            while done < iters:
                step = start + done
                n = min(iters - done, _MAX_CALL_STEPS)
                if callback is not None:
                    n = min(n, callback_every - step % callback_every)
                if ckpt is not None:
                    n = min(n, checkpoint_every - step % checkpoint_every)
                rows = np.empty((n, len(nat.STATS)), dtype=np.float64)
                k = nat.call_interruptible(session.Train, n, _SLICE_SECONDS, nat.addr(rows), rows.nbytes)
                losses.append(rows[:k])
                done += k
                step = start + done
                last = dict(zip(nat.STATS, rows[k - 1].tolist()))
                bar.update(done - bar.done, step, last)
                if ckpt is not None and step % checkpoint_every == 0:
                    self.save(ckpt)
                if callback is not None and (step % callback_every == 0 or done == iters):
                    if callback(step, last) is False:
                        break
        except BaseException as e:
            if ckpt is not None:
                self.save(ckpt)
                if isinstance(e, KeyboardInterrupt):
                    print(f"\nddaebm: interrupted at step {self.step}; checkpoint saved to {ckpt}",
                          file=sys.stderr)
            raise
        finally:
            bar.close()
        if ckpt is not None:
            self.save(ckpt)
        stats = np.concatenate(losses)
        history = {name: stats[:, i].copy() for i, name in enumerate(nat.STATS)}
        history["step"] = np.arange(start + 1, start + done + 1, dtype=np.int64)
        return history

    def _dataset(self, data):
        """None for a toy set name (an image set name for an image model),
        else the Go Dataset of a file or array."""
        if isinstance(data, str) and data in (_IMAGE_SETS if self.image_shape is not None else toy_names()):
            return None
        if isinstance(data, (str, os.PathLike)):
            if not os.path.exists(data):
                raise MissingFileError(
                    f"{os.fspath(data)!r} is not a toy set (known: {', '.join(toy_names())}) nor an existing .npy file")
            return call(nat.go.ReadDataset, os.fspath(data))
        return nat.to_go_dataset(data)

    def _checkpoint_dir(self, checkpoint_dir) -> str | None:
        if checkpoint_dir is None:
            return None
        os.makedirs(checkpoint_dir, exist_ok=True)
        ckpt = os.path.abspath(os.path.join(checkpoint_dir, "checkpoint.npz"))
        if os.path.exists(ckpt) and ckpt != self._checkpoint:
            raise FileExistsError(
                f"{ckpt} holds another run's checkpoint: continue it with Model.load({os.fspath(checkpoint_dir)!r}), "
                "or choose another checkpoint_dir")
        return ckpt

    def _write_config(self, directory: str) -> None:
        """config.json: the model's config and, kept from a run the train
        command started there, its settings ("run"), which its -resume
        restores."""
        path = os.path.join(directory, "config.json")
        content = self.config
        try:
            with open(path) as f:
                run = json.load(f).get("run")
        except (OSError, ValueError, AttributeError):
            run = None
        if run is not None:
            content["run"] = run
        tmp = os.path.join(directory, ".config.json.tmp")
        with open(tmp, "w") as f:
            json.dump(content, f, indent=2)
        os.replace(tmp, path)

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """Draw n samples with T generator steps from noise (NFE = T).

        seed: an integer makes the draw reproducible (and independent of
        training); None draws a random one. Returns float32 of shape
        (n, dim); for an image model, images of shape (n, C, H, W) in
        [−1, 1].
        """
        n = nat.count(n, "n")
        out = nat.empty((n, self.dim), np.float32, f"sampling {n} points")
        nat.call_interruptible(self._go.Sample, n, nat.seed_or_random(seed), nat.addr(out), out.nbytes)
        shape = self.image_shape
        if shape is not None:  # rows are H×W×C, pixel by pixel
            c, h, w = shape
            return np.ascontiguousarray(out.reshape(n, h, w, c).transpose(0, 3, 1, 2))
        return out

    def energy(self, x, k: int = 0) -> np.ndarray:
        """The energy E(x_i, k) of each row of x; p(x) ∝ exp(E(x, 0)), so
        higher means more likely (use it as an in-distribution score).

        x: shape (n, dim), any real dtype (computed in float32), finite; for
        an image model, images of shape (n, C, H, W) in [−1, 1].
        k: diffusion step, 0 ≤ k < T (0 is the data level).
        Returns float64 of shape (n,).
        """
        shape = self.image_shape
        if shape is not None:
            x = np.asarray(x)
            if x.ndim != 4 or x.shape[1:] != shape:
                raise InvalidArgumentError(f"x must be images of shape (n, {shape[0]}, {shape[1]}, {shape[2]}) in [-1, 1], got {x.shape}")
            x = x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)
        x = nat.matrix(x, "x", cols=self.dim)
        k = nat.count(k, "k", minimum=0)
        out = nat.empty(x.shape[0], np.float64, f"scoring {x.shape[0]} points")
        nat.call_interruptible(self._go.Energy, nat.addr(x), x.nbytes, x.shape[0], k, nat.addr(out), out.nbytes)
        return out

    def log_likelihood(self, pixels, seed: int | None = None) -> dict:
        """The test log-likelihood of images (shape (n, dim), pixel values
        in [0, 1]) under this mnist-nice model's normalised density, with
        the protocol and default seed of `train mnist`: returns its
        metrics.json keys "n", "test_ll_logit_nats", "test_ll_pixel_nats"
        and "bits_per_dim". See ddaebm.log_likelihood."""
        from .mnist import EVAL_SEED, log_likelihood

        return log_likelihood(self, pixels, EVAL_SEED if seed is None else seed)

    def density_grid(self, lim: float | None = None, n: int = 300):
        """The model density p̂(x) = exp(E(x, 0))/Z, normalised on an n×n
        grid over [-lim, lim]² (2-D models).

        lim: half-width; None takes the extent of the toy set the model was
        configured for or last trained on.
        Returns (xs, ys, p): cell centres xs and ys (float64, shape (n,))
        and p (float64, shape (n, n)) with p[i, j] the density at
        (xs[j], ys[i]), so that p.sum() * (2 * lim / n) ** 2 == 1;
        plt.pcolormesh(xs, ys, p) or plt.imshow(p, origin="lower") draws it.
        """
        lim = self._lim(lim)
        n = nat.count(n, "n")
        log_p = nat.empty((n, n), np.float64, f"a {n}×{n} density grid")
        nat.call_interruptible(self._go.DensityGrid, lim, n, nat.addr(log_p), log_p.nbytes)
        xs = -lim + (np.arange(n) + 0.5) * (2 * lim / n)
        return xs, xs.copy(), np.exp(log_p)

    def evaluate_toy(self, data: str | None = None, *, grid_n: int = 300, test_n: int = 5000,
                     sample_n: int = 5000, seed: int = 12345) -> dict:
        """The toy-set metrics of the train command's metrics.json:
        grid_nll (test NLL in nats of the grid-normalised density), kl_grid
        (KL(p_data ‖ p̂) where the data density is known, else None), mmd
        (RBF-MMD² of samples to fresh data), and for 25gaussians
        modes_covered and hq_fraction (else None).

        data: toy set name; None takes the one the model was configured for
        or last trained on.
        """
        data = self._toy_name(data)
        report = nat.call_interruptible(self._go.EvaluateToy, data, nat.count(grid_n, "grid_n"), nat.count(test_n, "test_n"),
                      nat.count(sample_n, "sample_n"), nat.seed_or_random(seed))
        return json.loads(report)

    def _toy_name(self, data: str | None) -> str:
        if data is not None:
            return data
        if self._toy is not None:
            return self._toy
        configured = self.config["data"]
        if configured in toy_names():
            return configured
        raise InvalidArgumentError(
            f"the model's data {configured!r} is not a toy set: name one (one of {', '.join(toy_names())})")

    def _lim(self, lim) -> float:
        if lim is None:
            return toy_limit(self._toy_name(None))
        lim = float(lim)
        if not (0 < lim < float("inf")):
            raise InvalidArgumentError(f"lim must be a positive finite number, got {lim}")
        return lim


_IMAGE_SETS = tuple(json.loads(call(nat.go.ImageSetNames)))


def _image_data(data) -> tuple[str, tuple[int, int, int]]:
    """The configuration's data name and the (C, H, W) the networks see of
    image data (28×28 padded to 32×32)."""
    if isinstance(data, str) and data in _IMAGE_SETS:
        name, shape = data, ((1 if data == "mnist" else 3), 28, 28)
    elif isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise MissingFileError(f"{path!r} is not an image set ({', '.join(_IMAGE_SETS)}) nor an existing .npy file")
        name, shape = os.path.abspath(path), np.load(path, mmap_mode="r").shape
        if len(shape) != 4:
            raise InvalidArgumentError(f"{path} holds an array of shape {shape}, not (N, C, H, W) images")
        shape = shape[1:]
    else:
        shape = np.shape(data)
        if len(shape) != 4:
            raise InvalidArgumentError(f"images must be an array of shape (N, C, H, W), got {shape}")
        name, shape = "", shape[1:]
    c, h, w = shape
    if (h, w) == (28, 28):
        h, w = 32, 32
    return name, (c, h, w)


def _describe(data) -> str:
    """data as the busy message of another thread's fit names it."""
    if isinstance(data, (str, os.PathLike)):
        return repr(os.fspath(data))
    shape = getattr(data, "shape", None)
    return f"an array of shape {tuple(shape)}" if shape is not None else f"a {type(data).__name__}"


def _select_device(spec) -> str:
    if not isinstance(spec, str):
        raise InvalidArgumentError(f"device must be a string such as 'auto', 'cpu' or 'cuda', got {type(spec).__name__}")
    return call(nat.go.SelectDevice, spec)


def _checkpoint_file(path) -> str:
    path = os.fspath(path)
    if os.path.isdir(path):
        return os.path.join(path, "checkpoint.npz")
    return path
