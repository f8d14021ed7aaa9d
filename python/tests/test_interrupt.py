"""Ctrl-C stops fit within a second and leaves a loadable checkpoint."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

import ddaebm

CHILD = textwrap.dedent("""
    import faulthandler, signal, sys, time
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # where it hangs, should it
    # A test run started in the background inherits SIGINT ignored (POSIX),
    # and Python keeps it so; a terminal or a Jupyter kernel turns Ctrl-C
    # into KeyboardInterrupt, which is what this test is about.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import ddaebm
    # Paper-sized networks: each iteration takes tens of milliseconds, so
    # the signal arrives while Go is computing.
    m = ddaebm.Model.toy("25gaussians", seed=0)
    print("ready", flush=True)
    try:
        m.fit("25gaussians", 10**7, checkpoint_dir=sys.argv[1], progress=False)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), m.step, flush=True)
""")


def test_ctrl_c_stops_fit_and_saves(tmp_path):
    p = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(2)  # well into training
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGUSR1)
            time.sleep(1)
            p.kill()
            raise AssertionError("fit did not stop; the child's stacks:\n" + p.communicate()[1])
    finally:
        p.kill()
    assert p.returncode == 0, err
    word, caught, step = out.split()
    assert word == "interrupted"
    latency = float(caught) - sent
    print(f"KeyboardInterrupt reached Python {latency * 1000:.0f} ms after SIGINT, at step {step}")
    assert latency < 1.0
    assert int(step) > 0
    assert f"interrupted at step {step}; checkpoint saved to" in err
    resumed = ddaebm.Model.load(tmp_path)
    assert resumed.step == int(step)
    assert resumed.sample(5, seed=0).shape == (5, 2)


LONG_CALL = textwrap.dedent("""
    import signal, sys, time
    import numpy as np
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal or Jupyter
    import ddaebm
    m = ddaebm.Model.toy("25gaussians", seed=0)  # paper-sized networks
    calls = {
        "sample": lambda: m.sample(5_000_000, seed=0),
        "density_grid": lambda: m.density_grid(n=4000),
        "evaluate_toy": lambda: m.evaluate_toy(grid_n=3000),
        "energy": lambda: m.energy(np.zeros((5_000_000, 2), np.float32)),
    }
    call = calls[sys.argv[1]]
    print("started", flush=True)
    try:
        call()
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), flush=True)
    print("usable after", m.sample(3, seed=0).shape, flush=True)
""")


def interrupted(script, args, ready, what):
    """Runs script, sends SIGINT 1.5 s after it prints ready, and returns
    its output and the monotonic time of the signal once it has exited 0."""
    p = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == ready, p.stderr.read()
        time.sleep(1.5)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            raise AssertionError(f"{what} did not stop after Ctrl-C")
    finally:
        p.kill()
    assert p.returncode == 0, err
    return out, sent


@pytest.mark.parametrize("name", ["sample", "density_grid", "evaluate_toy", "energy"])
def test_ctrl_c_stops_long_calls(name):
    # Each of these runs for tens of seconds to minutes on 2 cores.
    out, sent = interrupted(LONG_CALL, [name], "started", name)  # 1.5 s is well into the call
    lines = out.splitlines()
    word, caught = lines[0].split()
    assert word == "interrupted", out
    latency = float(caught) - sent
    print(f"{name}: KeyboardInterrupt reached Python {latency * 1000:.0f} ms after SIGINT")
    assert latency < 1.0
    assert lines[1] == "usable after (3, 2)"


IMAGE_FIT = textwrap.dedent("""
    import signal, sys, time
    import numpy as np
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal or Jupyter
    import ddaebm
    images = np.random.default_rng(0).random((64, 3, 32, 32), dtype=np.float32)
    # The XS networks at the paper's batch of 64: one iteration takes
    # seconds on 2 cores, so the signal arrives inside the first one.
    m = ddaebm.Model.image(images, "xs", seed=0)
    print("ready", flush=True)
    try:
        m.fit(images, 1000, checkpoint_dir=sys.argv[1], progress=False)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), m.step, flush=True)
""")


def test_ctrl_c_stops_an_image_iteration(tmp_path):
    out, sent = interrupted(IMAGE_FIT, [str(tmp_path)], "ready", "fit")  # 1.5 s is inside the first iteration
    word, caught, step = out.split()
    assert word == "interrupted", out
    latency = float(caught) - sent
    print(f"KeyboardInterrupt reached Python {latency * 1000:.0f} ms after SIGINT, at step {step}")
    assert latency < 1.0
    # The interrupted iteration left no trace: the checkpoint is the
    # model before it, and it resumes.
    resumed = ddaebm.Model.load(tmp_path)
    assert resumed.step == int(step)
    assert resumed.sample(2, seed=0).shape == (2, 3, 32, 32)
