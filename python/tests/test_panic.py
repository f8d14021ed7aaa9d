"""A Go panic must come back as ddaebm.GoPanic, never kill the interpreter.

The panic is a real one in core: metrics.MMD panics on a bandwidth ≤ 0
(a programming error there). ddaebm.metrics.mmd checks its bandwidth, so
the tests call the binding directly, as a bug in the Python layer would.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ddaebm
from ddaebm import _native
from ddaebm._errors import call

PANIC = textwrap.dedent("""
    import numpy as np
    import ddaebm
    from ddaebm import _native
    from ddaebm._errors import call
    x = np.zeros((3, 2))
    try:
        call(_native.go.MMD, call(_native.go.NewCancellation), x.ctypes.data, x.nbytes, x.ctypes.data, x.nbytes, 2, 0.0)
    except ddaebm.GoPanic as e:
        print("caught:", str(e).splitlines()[0])
    print("alive:", ddaebm.toy("pinwheel", 2, seed=0).shape)
""")


def test_panic_in_a_fresh_interpreter():
    # A separate process, so that a failure shows as an exit status here
    # rather than as the test runner itself dying.
    r = subprocess.run([sys.executable, "-c", PANIC], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "caught: Go panicked (a bug in ddaebm; please report it with this message): " \
           "metrics: MMD bandwidth 0" in r.stdout
    assert "alive: (2, 2)" in r.stdout


def test_panic_in_this_interpreter_and_after():
    x = np.zeros((3, 2))
    with pytest.raises(ddaebm.GoPanic, match="MMD bandwidth -1") as e:
        call(_native.go.MMD, call(_native.go.NewCancellation), x.ctypes.data, x.nbytes, x.ctypes.data, x.nbytes, 2, -1.0)
    assert "goroutine" in str(e.value)  # the Go stack, for the report
    assert isinstance(e.value, ddaebm.Error)
    # A model is usable after a panic (bindings' TestPanicInsideAModelsLockReleasesIt
    # checks the lock itself).
    m = ddaebm.Model.toy(hidden=8, batch=8)
    assert m.sample(3, seed=0).shape == (3, 2)
    assert ddaebm.metrics.mmd(x, x + 1) > 0
