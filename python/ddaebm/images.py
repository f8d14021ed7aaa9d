"""Image files for the FID tools."""

from __future__ import annotations

import os

import numpy as np

from . import _native as nat
from ._errors import InvalidArgumentError, call

__all__ = ["export_images"]


def export_images(images, directory: str | os.PathLike) -> None:
    """Write images of shape (n, C, H, W) with values in [−1, 1] (an image
    model's samples; C is 1 or 3) into directory as 000000.png, … (8-bit
    pixels round((x + 1)/2·255)) and images.npz (the same pixels as the
    uint8 array "images" of shape (n, H, W, C)), the layout of `evaluate
    export`. pytorch-fid and clean-fid read such a directory; they bring
    their own Inception weights, which this package does not ship:

        python -m pytorch_fid DIR CIFAR10_TRAIN_DIR
    """
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or x.shape[0] < 1:
        raise InvalidArgumentError(f"images must have shape (n, 1 or 3, H, W), got {x.shape}")
    n, c, h, w = x.shape
    rows = nat.finite(np.ascontiguousarray(x.transpose(0, 2, 3, 1), dtype=np.float32), "images")
    call(nat.go.ExportImages, nat.addr(rows), rows.nbytes, n, h, w, c, os.fspath(directory))
