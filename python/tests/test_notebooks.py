"""The notebooks run headless, without errors, and draw their figures."""

import os
import time

import nbformat
import pytest
from conftest import REPO

nbclient = pytest.importorskip("nbclient")

# Enough iterations to exercise every cell, few enough for the test suite.
ITERS = "150"


# The image notebook's iterations take seconds each on a CPU.
IMAGE_ITERS = "2"


def execute(name, tmp_path):
    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    os.environ["DDAEBM_NOTEBOOK_ITERS"] = ITERS
    os.environ["DDAEBM_IMAGE_NOTEBOOK_ITERS"] = IMAGE_ITERS
    try:
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        del os.environ["DDAEBM_NOTEBOOK_ITERS"], os.environ["DDAEBM_IMAGE_NOTEBOOK_ITERS"]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors
    pngs = sum("image/png" in o.get("data", {}) for o in outputs)
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    return pngs, text


def test_toy_density_notebook(tmp_path):
    pngs, text = execute("toy_density.ipynb", tmp_path)
    # data, learning curves, densities and samples, ablations
    assert pngs == 4
    assert "grid_nll" in text and "modes_covered" in text


def test_ood_evaluation_notebook(tmp_path):
    pngs, text = execute("ood_evaluation.ipynb", tmp_path)
    # test sets, histograms, AUROC per step, density with shifted points
    assert pngs == 4
    for name in ("shifted", "noisy", "uniform"):
        assert f"AUROC in-distribution vs {name}" in text
    assert "energy_uniform.npy" in text


def test_image_generation_notebook(tmp_path):
    pngs, text = execute("image_generation.ipynb", tmp_path)
    # learning curves, samples, energy histograms
    assert pngs == 3
    assert "AUROC real vs generated" in text and "'000000.png'" in text


def test_interrupting_a_notebook_kernel_stops_fit(tmp_path):
    """Kernel → Interrupt (SIGINT to the kernel) during fit: the cell ends
    with KeyboardInterrupt within a second, the kernel lives on and the
    checkpoint loads."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        run = lambda code: kc.execute_interactive(code, timeout=120)  # noqa: E731
        assert run("import ddaebm; m = ddaebm.Model.toy(seed=0)")["content"]["status"] == "ok"
        kc.execute(f"m.fit('25gaussians', 10**7, checkpoint_dir={str(tmp_path)!r}, progress=False)")
        time.sleep(3)
        sent = time.monotonic()
        km.interrupt_kernel()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["msg_type"] == "execute_reply":
                break
        latency = time.monotonic() - sent
        print(f"notebook cell interrupted after {latency * 1000:.0f} ms")
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert latency < 1.0
        assert run("import ddaebm; assert ddaebm.Model.load(%r).step == m.step > 0" % str(tmp_path)
                   )["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
