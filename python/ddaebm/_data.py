"""Toy data sets and .npy files."""

from __future__ import annotations

import json
import os

import numpy as np

from . import _native as nat
from ._errors import InvalidArgumentError, call


def toy_names() -> list[str]:
    """The names of the 2-D toy sets, sorted."""
    return json.loads(call(nat.go.ToyNames))


def toy_limit(name: str) -> float:
    """Half-width L of the square [-L, L]² that holds the named toy set
    (the grid for density plots and grid metrics)."""
    return call(nat.go.ToyLimit, _name(name))


def toy(name: str, n: int, seed: int | None = None) -> np.ndarray:
    """Draw n points of a 2-D toy set.

    name: one of toy_names() ("25gaussians", "8gaussians", "pinwheel",
    "swissroll", "checkerboard", "rings"); seed: an integer for a
    reproducible draw, None for a random one.
    Returns a float32 array of shape (n, 2).
    """
    n = nat.count(n, "n", minimum=0)
    out = nat.empty((n, 2), np.float32, f"{n} toy points")
    call(nat.go.Toy, _name(name), n, nat.seed_or_random(seed), nat.addr(out), out.nbytes)
    return out


def load_npy(path: str | os.PathLike) -> np.ndarray:
    """Read a .npy file with the project's validating reader.

    Supports float32, float64, uint8 and int64 arrays of any shape in C
    order. Returns an array of the file's dtype and shape. Raises
    FileNotFoundError (MissingFileError) when the file does not exist and
    ddaebm.Error when it is truncated, over-long or not a supported .npy.
    """
    return nat.from_go(call(nat.go.ReadNpy, os.fspath(path)))


def save_npy(path: str | os.PathLike, array) -> None:
    """Write array to path as numpy.save does (np.load reads it back),
    replacing any file there atomically.

    array: float32, float64, uint8 or int64, any shape; other layouts
    (Fortran order, strided views) are copied to C order first. Other
    dtypes raise ValueError: convert them explicitly.
    """
    call(nat.to_go(array).WriteNpy, os.fspath(path))


def _name(name) -> str:
    if not isinstance(name, str):
        raise InvalidArgumentError(f"toy set name must be a string, got {type(name).__name__}")
    return name
