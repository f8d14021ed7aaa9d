"""The compiled Go extension and the helpers that hand it numpy memory.

Arrays cross as (address, byte count) of a C-contiguous array of the
documented dtype. The caller keeps the array referenced until the call
returns; Go never keeps the address.
"""

from __future__ import annotations

import json
import secrets
import threading

import numpy as np

from ._errors import InvalidArgumentError, TooLargeError, call

try:
    from ._go import bindings as go
except ImportError as e:  # pragma: no cover - depends on how it was installed
    raise ImportError(
        "ddaebm's Go extension is missing or was built for another Python: "
        "reinstall with `pip install .` from the source tree (needs Go ≥ 1.26 "
        f"and a C compiler); import failed with: {e}"
    ) from e

#: dtypes that cross to Go unchanged (numpy name → Go/npy name).
DTYPES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64",
          np.dtype(np.uint8): "uint8", np.dtype(np.int64): "int64"}

STATS = ("loss_e", "penalty", "e_gap", "loss_g", "l2")


def addr(a: np.ndarray) -> int:
    """The address of a C-contiguous array's first element."""
    if not a.flags.c_contiguous:
        # Go would read the memory as if it were: refuse rather than misread.
        raise InvalidArgumentError("internal: array handed to Go is not C-contiguous")
    return a.ctypes.data


def seed_or_random(seed, what="seed") -> int:
    """A seed Go accepts (0 ≤ seed < 2**63); None draws one at random."""
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgumentError(f"{what} must be an integer or None, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**63:
        raise InvalidArgumentError(f"{what} must be in [0, 2**63), got {seed}")
    return int(seed)


def count(n, what: str, minimum: int = 1) -> int:
    """An integer argument ≥ minimum."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise InvalidArgumentError(f"{what} must be an integer, got {type(n).__name__}")
    if n < minimum:
        raise InvalidArgumentError(f"{what} must be ≥ {minimum}, got {n}")
    return int(n)


def matrix(x, what: str, cols: int | None = None, dtype=np.float32) -> np.ndarray:
    """x as a C-contiguous 2-D array of dtype, converted explicitly from
    any real dtype and layout. NaN is left for the Go side, which rejects
    it with the position while copying."""
    a = np.asarray(x)
    if a.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"{what}: expected real numbers, got dtype {a.dtype}")
    want = f"(n, {cols})" if cols is not None else "(n, d)"
    if a.ndim != 2 or (cols is not None and a.shape[1] != cols):
        raise InvalidArgumentError(f"{what}: expected shape {want}, got {a.shape}")
    return np.ascontiguousarray(a, dtype=dtype)


def finite(a: np.ndarray, what: str) -> np.ndarray:
    """a itself, after checking that it holds no NaN or ±Inf."""
    bad = ~np.isfinite(a)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidArgumentError(f"{what}: value at index {where} is {a[where]}; values must be finite")
    return a


def to_go(a: np.ndarray):
    """Copy a numpy array into a Go-held Array (one memcpy)."""
    a = np.asarray(a)
    name = DTYPES.get(a.dtype) if a.dtype.isnative else None
    if name is None:
        raise InvalidArgumentError(
            f"dtype {a.dtype} is not supported: convert to float32, float64, uint8 or int64 first")
    a = np.asarray(a, order="C")  # np.ascontiguousarray would make a 0-d array 1-d
    return call(go.NewArray, name, json.dumps(list(a.shape)), addr(a), a.nbytes)


def to_go_dataset(x):
    """Copy an array into a Go-held Dataset (one memcpy), converted as the
    train command converts its data files: Go accepts or refuses the dtype,
    so that one rule serves both."""
    a = np.asarray(x)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    a = np.ascontiguousarray(a)
    return call(go.NewDataset, a.dtype.name, json.dumps(list(a.shape)), addr(a), a.nbytes)


def from_go(arr) -> np.ndarray:
    """Copy a Go-held Array into a new numpy array (one memcpy)."""
    info = json.loads(call(arr.Info))
    out = np.empty(info["shape"], dtype=info["dtype"])
    call(arr.CopyTo, addr(out), out.nbytes)
    return out


def empty(shape, dtype, what: str) -> np.ndarray:
    """np.empty for a result, raising TooLargeError (a MemoryError) with
    what in the message when numpy cannot allocate it."""
    try:
        return np.empty(shape, dtype=dtype)
    except MemoryError as e:
        raise TooLargeError(f"{what} needs more memory than is available: {e}") from None


def call_interruptible(fn, *args):
    """call(fn, cancellation, *args), stoppable by Ctrl-C.

    Python runs its signal handlers only between bytecodes of the main
    thread, so while Go computes, Ctrl-C would wait for the call to end.
    On the main thread the call therefore runs on a worker thread while
    the main thread waits; KeyboardInterrupt cancels the call (Go returns
    at its next check, within a fraction of a second), waits for it and is
    re-raised. Other threads cannot receive KeyboardInterrupt and call
    directly.
    """
    c = call(go.NewCancellation)
    if threading.current_thread() is not threading.main_thread():
        return call(fn, c, *args)
    box = {}

    def work():
        try:
            box["result"] = call(fn, c, *args)
        except BaseException as e:  # re-raised on the calling thread
            box["error"] = e

    worker = threading.Thread(target=work, name="ddaebm-call", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.05)
    except KeyboardInterrupt:
        call(c.Cancel)
        worker.join()
        raise
    if "error" in box:
        raise box["error"]
    return box["result"]
