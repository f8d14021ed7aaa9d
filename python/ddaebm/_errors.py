"""The package's exceptions, and the translation of errors from Go."""

from __future__ import annotations

import os


class Error(Exception):
    """Base class of every exception ddaebm raises."""


class InvalidArgumentError(Error, ValueError):
    """An argument has the wrong shape, dtype, value or name."""


class MissingFileError(Error, FileNotFoundError):
    """A file to read does not exist."""


class TooLargeError(Error, MemoryError):
    """The call would need more memory than the machine has available (or
    than DDAEBM_MEMORY_LIMIT allows): refused before anything was
    allocated. The message says what was asked, about how much memory it
    needs and how much there is."""


class ModelBusyError(Error):
    """The model is training in another call (fit in another thread), which
    owns it until that call returns; the message names the call and since
    when."""


class GoPanic(Error):
    """The Go code panicked: a bug in ddaebm, reported instead of killing
    the interpreter. The message holds the Go stack for the bug report."""


# The Go side prefixes every error message with the class to raise
# (bindings.Kind*): gopy itself raises a RuntimeError carrying that message.
_KINDS = {
    "ValueError": InvalidArgumentError,
    "FileNotFoundError": MissingFileError,
    "Error": Error,
    "GoPanic": GoPanic,
    "TooLargeError": TooLargeError,
    "ModelBusyError": ModelBusyError,
}


# A forked child inherits the Go runtime's memory but not its threads: the
# first garbage collection there waits forever for them. Refusing every call
# turns that hang into an error that names the fix.
_forked = False


def _mark_forked() -> None:
    global _forked
    _forked = True


os.register_at_fork(after_in_child=_mark_forked)


def call(fn, *args):
    """Call a Go binding, raising the error class the Go side named."""
    if _forked:
        raise Error("ddaebm cannot run in a process forked after it was imported (the Go runtime "
                    "does not survive fork): use multiprocessing.get_context('spawn')")
    try:
        return fn(*args)
    except RuntimeError as e:
        kind, sep, msg = str(e).partition(": ")
        cls = _KINDS.get(kind) if sep else None
        if cls is None:
            raise Error(str(e)) from None
        raise cls(msg) from None
