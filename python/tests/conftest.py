import os
import shutil
import subprocess
from pathlib import Path

import pytest

import ddaebm

REPO = Path(__file__).resolve().parents[2]


def small(data="pinwheel", **kw):
    """A model small enough to train in milliseconds per iteration."""
    return ddaebm.Model.toy(data, **{"hidden": 16, "batch": 32, "seed": 0, **kw})


@pytest.fixture(scope="session")
def go_commands(tmp_path_factory):
    """The train and evaluate commands, built once from this checkout."""
    go = shutil.which(os.environ.get("GO") or "go")
    if go is None:
        pytest.skip("the checkpoint-compatibility tests need Go to build the commands")
    out = tmp_path_factory.mktemp("bin")
    subprocess.run([go, "build", "-o", str(out), "./cmd/train", "./cmd/evaluate"], cwd=REPO, check=True)
    return {"train": str(out / "train"), "evaluate": str(out / "evaluate")}


def pytest_report_header():
    return f"ddaebm under test: {os.path.dirname(ddaebm.__file__)}"
