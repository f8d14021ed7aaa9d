"""Matplotlib figures: model density, samples, energy histograms, image grids.

Needs matplotlib (pip install matplotlib, or the package's "plot" extra);
ddaebm itself imports without it. Every function draws into ax when given
(else into a new figure) and returns the axes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._errors import InvalidArgumentError

__all__ = ["density", "samples", "energy_histograms", "image_grid"]


def _axes(ax, figsize=(4.5, 4.5)):
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("ddaebm.plot needs matplotlib: pip install matplotlib") from e
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def density(model, lim: float | None = None, n: int = 200, ax=None, title: str | None = None,
            cmap: str = "viridis", log: bool = False):
    """Heatmap of the model density exp(E(x, 0))/Z on an n×n grid over
    [-lim, lim]² (see Model.density_grid); log=True draws log p̂."""
    xs, ys, p = model.density_grid(lim, n)
    ax = _axes(ax)
    z = np.log(np.maximum(p, np.finfo(np.float64).tiny)) if log else p
    half = xs[-1] + (xs[1] - xs[0]) / 2 if n > 1 else abs(xs[0]) * 2
    ax.imshow(z, origin="lower", extent=(-half, half, -half, half), cmap=cmap, interpolation="nearest")
    ax.set_aspect("equal")
    ax.set_title(title if title is not None else f"density, step {model.step}")
    return ax


def samples(x, data=None, lim: float | None = None, ax=None, title: str | None = None,
            size: float = 2.0, alpha: float = 0.5):
    """Scatter of 2-D samples x (n, 2), over reference points data (m, 2)
    in grey when given; lim fixes the square [-lim, lim]²."""
    x = _points(x, "x")
    ax = _axes(ax)
    if data is not None:
        d = _points(data, "data")
        ax.scatter(d[:, 0], d[:, 1], s=size, c="0.75", alpha=alpha, linewidths=0, label="data")
    ax.scatter(x[:, 0], x[:, 1], s=size, c="C0", alpha=alpha, linewidths=0, label="samples")
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if data is not None:
        ax.legend(loc="upper right", markerscale=4, fontsize="small")
    ax.set_title(title if title is not None else f"{len(x)} samples")
    return ax


def energy_histograms(scores: Mapping[str, np.ndarray], bins: int = 50, ax=None,
                      title: str | None = "energy E(x, 0)"):
    """Overlaid histograms of scores per group (e.g. {"in-distribution":
    m.energy(x_in), "uniform": m.energy(x_uniform)}), on shared bins,
    each normalised to unit area so groups of different sizes compare by
    shape. Non-finite scores are left out."""
    if not isinstance(scores, Mapping) or not scores:
        raise InvalidArgumentError("scores must be a non-empty mapping of name → 1-D array")
    groups = {}
    for name, s in scores.items():
        a = np.asarray(s, dtype=np.float64).ravel()
        groups[name] = a[np.isfinite(a)]
    pooled = np.concatenate(list(groups.values()))
    if pooled.size == 0:
        raise InvalidArgumentError("no finite scores to plot")
    edges = np.histogram_bin_edges(pooled, bins=bins)
    ax = _axes(ax, figsize=(6, 3.5))
    for i, (name, a) in enumerate(groups.items()):
        ax.hist(a, bins=edges, density=True, alpha=0.4, color=f"C{i}", label=f"{name} ({a.size})")
        ax.hist(a, bins=edges, density=True, histtype="step", color=f"C{i}")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def _points(x, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 2 or a.shape[1] != 2:
        raise InvalidArgumentError(f"{what}: expected shape (n, 2), got {a.shape}")
    return a


def image_grid(images, ncols: int = 8, ax=None, title: str | None = None):
    """Draw images of shape (n, C, H, W) with values in [−1, 1] (an image
    model's samples) as a grid of ncols columns: C = 1 in grey, C = 3 in
    colour."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or x.shape[0] < 1:
        raise InvalidArgumentError(f"images must have shape (n, 1 or 3, H, W), got {x.shape}")
    n, c, h, w = x.shape
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    grid = np.ones((nrows * (h + 2), ncols * (w + 2), c), dtype=np.float32)
    pixels = np.clip((x + 1) / 2, 0, 1).transpose(0, 2, 3, 1)
    for i in range(n):
        r, q = divmod(i, ncols)
        grid[r * (h + 2) + 1:r * (h + 2) + 1 + h, q * (w + 2) + 1:q * (w + 2) + 1 + w] = pixels[i]
    ax = _axes(ax, figsize=(ncols * 0.8, nrows * 0.8))
    ax.imshow(grid[..., 0] if c == 1 else grid, cmap="gray" if c == 1 else None, vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
