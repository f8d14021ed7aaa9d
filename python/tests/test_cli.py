"""Checkpoints from Python and from the commands are the same files."""

import hashlib
import json
import subprocess

import numpy as np
import pytest
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
    config = json.loads((out / "config.json").read_text())
    assert ddaebm.Model(config).config == m.config  # config.json builds the same model
    settings = config.pop("run")  # the command's settings of the run
    assert m.config == config and settings["iters"] == 30 and settings["eval-samples"] == 200
    pts = ddaebm.toy("pinwheel", 100, seed=1)
    np.testing.assert_array_equal(cli_energies(go_commands, out / "checkpoint.npz", pts, tmp_path),
                                  m.energy(pts).astype(np.float32))
    m.fit("pinwheel", 10, checkpoint_dir=out, progress=False)  # continue the command's run
    assert ddaebm.Model.load(out).step == 40
    assert json.loads((out / "config.json").read_text())["run"] == settings  # kept for train -resume


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


def test_data_files_read_alike(go_commands, tmp_path):
    """The train command and fit read data by one rule: uint8 is 8-bit
    pixels divided by 255, int64 is refused with the same message."""
    rng = np.random.default_rng(0)
    pixels = tmp_path / "pixels.npy"
    np.save(pixels, rng.integers(0, 256, (200, 2)).astype(np.uint8))
    out = tmp_path / "cli"
    run(go_commands["train"], "-data", str(pixels), "-iters", "20", "-hidden", "16", "-batch", "32", "-seed", "4",
        "-eval-samples", "200", "-quiet", "-out", str(out))
    cli = ddaebm.Model.load(out)
    from_file, from_array = small(seed=4), small(seed=4)
    from_file.fit(str(pixels), 20, progress=False)
    from_array.fit(np.load(pixels), 20, progress=False)
    pts = rng.uniform(0, 1, (50, 2))
    np.testing.assert_array_equal(from_file.energy(pts), cli.energy(pts))
    np.testing.assert_array_equal(from_array.energy(pts), cli.energy(pts))
    config = json.loads((out / "config.json").read_text())
    config.pop("run")
    assert from_file.config == config  # the same data: the file's absolute path and SHA-256

    ints = tmp_path / "ints.npy"
    np.save(ints, rng.integers(-3, 4, (200, 2)))
    r = subprocess.run([go_commands["train"], "-data", str(ints), "-out", str(tmp_path / "refused")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    with pytest.raises(ddaebm.Error, match="dtype int64 is not accepted for data sets") as e:
        small().fit(str(ints), 1, progress=False)
    assert f"train: {e.value}" in r.stderr  # the command's message, word for word
    with pytest.raises(ValueError, match=r"dtype int64 is not accepted .* x.astype\(np.float32\), or x / 255"):
        small().fit(np.load(ints), 1, progress=False)


def test_array_run_resumes_in_cli_on_its_data(go_commands, tmp_path):
    """A run Python trained on an array continues in the train command on
    that array, which checkpoint_dir keeps as data.npy."""
    out = tmp_path / "run"
    x = 3 + np.random.default_rng(0).normal(0, 0.1, (100, 2))
    m = ddaebm.Model.toy("25gaussians", hidden=16, batch=32, seed=0)
    m.fit(x, 20, checkpoint_dir=out, progress=False)
    config = json.loads((out / "config.json").read_text())
    data = out / "data.npy"
    assert config["data"] == str(data) and config["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    r = run(go_commands["train"], "-resume", "-iters", "30", "-eval-samples", "200", "-quiet", "-out", str(out))
    assert "at step 20" in r.stderr
    m.fit(x, 10, progress=False)
    pts = np.random.default_rng(1).uniform(-4, 4, (100, 2))
    np.testing.assert_array_equal(ddaebm.Model.load(out).energy(pts), m.energy(pts))
