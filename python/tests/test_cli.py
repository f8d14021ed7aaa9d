"""Checkpoints from Python and from the commands are the same files."""

import json
import subprocess

import numpy as np
from conftest import small

import ddaebm


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r


def cli_energies(go_commands, ckpt, points, tmp_path):
    ddaebm.save_npy(tmp_path / "points.npy", points)
    run(go_commands["evaluate"], "energy", "-checkpoint", str(ckpt), "-points", str(tmp_path / "points.npy"),
        "-out", str(tmp_path / "e.npy"))
    return ddaebm.load_npy(tmp_path / "e.npy")


def test_cli_checkpoint_loads_in_python(go_commands, tmp_path):
    out = tmp_path / "cli"
    run(go_commands["train"], "-data", "pinwheel", "-iters", "30", "-hidden", "16", "-batch", "32", "-seed", "4",
        "-eval-samples", "200", "-quiet", "-out", str(out))
    m = ddaebm.Model.load(out)
    assert m.step == 30
    assert m.config == json.loads((out / "config.json").read_text())
    pts = ddaebm.toy("pinwheel", 100, seed=1)
    np.testing.assert_array_equal(cli_energies(go_commands, out / "checkpoint.npz", pts, tmp_path),
                                  m.energy(pts).astype(np.float32))
    m.fit("pinwheel", 10, checkpoint_dir=out, progress=False)  # continue the command's run
    assert ddaebm.Model.load(out).step == 40


def test_python_checkpoint_resumes_in_cli(go_commands, tmp_path):
    out = tmp_path / "py"
    m = small(seed=2)
    m.fit("pinwheel", 20, checkpoint_dir=out, progress=False)
    pts = ddaebm.toy("pinwheel", 100, seed=1)
    np.testing.assert_array_equal(cli_energies(go_commands, out / "checkpoint.npz", pts, tmp_path),
                                  m.energy(pts).astype(np.float32))
    # The command continues the run from where Python left it, exactly as
    # Python itself would.
    r = run(go_commands["train"], "-resume", "-iters", "35", "-eval-samples", "200", "-quiet", "-out", str(out))
    assert "resuming" in r.stderr and "at step 20" in r.stderr
    cli = ddaebm.Model.load(out)
    assert cli.step == 35
    m.fit("pinwheel", 15, progress=False)
    np.testing.assert_array_equal(cli.energy(pts), m.energy(pts))
    assert (out / "samples.npy").exists() and (out / "metrics.json").exists()
