"""Builds ddaebm's Go extension with gopy; the metadata is in pyproject.toml.

`pip install .` runs build_ext below: gopy (pinned in go.mod as a Go tool)
generates CPython bindings for ./bindings and compiles them with cgo; the
resulting extension and its Python wrappers are copied into ddaebm/_go.
Needs Go ≥ 1.26 on PATH (or in $GO), a C compiler and Python's headers.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class GopyBuild(build_ext):
    def build_extension(self, ext):
        go = shutil.which(os.environ.get("GO") or "go")
        if not go:
            sys.exit("ddaebm: building the extension needs Go ≥ 1.26 on PATH (https://go.dev/dl/), "
                     "a C compiler and the Python headers")
        target = os.path.dirname(self.get_ext_fullpath(ext.name))
        # gopy builds its generated main package with `go build` in the
        # output directory, which must lie inside this module; the leading
        # underscore keeps it out of `go vet ./...` and `go build ./...`.
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        work = tempfile.mkdtemp(prefix="_gopy-", dir=os.path.join(ROOT, "build"))
        try:
            env = dict(os.environ)
            bindir = os.path.join(work, "bin")
            # gopy runs `goimports` from PATH; build the version go.mod pins.
            run([go, "build", "-o", os.path.join(bindir, "goimports"), "golang.org/x/tools/cmd/goimports"], env)
            env["PATH"] = bindir + os.pathsep + os.path.dirname(go) + os.pathsep + env.get("PATH", "")
            env["CGO_ENABLED"] = "1"
            out = os.path.join(work, "out")
            run([go, "tool", "gopy", "build", "-vm=" + sys.executable, "-output=" + out, "-no-make", "./bindings"], env)
            so = glob.glob(os.path.join(out, "_bindings*.so")) + glob.glob(os.path.join(out, "_bindings*.pyd"))
            if len(so) != 1:
                sys.exit(f"ddaebm: gopy produced {so or 'no extension'} in {out}")
            files = so + [os.path.join(out, n) for n in ("bindings.py", "go.py", "__init__.py")]
            targets = [target]
            if self.inplace or getattr(self, "editable_mode", False):
                # setuptools copies only the extension itself back into
                # the source tree; the wrappers gopy writes must go too.
                targets.append(os.path.join(ROOT, "python", "ddaebm", "_go"))
            for t in targets:
                os.makedirs(t, exist_ok=True)
                for old in glob.glob(os.path.join(t, "_bindings*")):
                    os.remove(old)
                for f in files:
                    shutil.copy2(f, t)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def run(cmd, env):
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


setup(
    # A placeholder: the sources are Go, compiled by GopyBuild; declaring
    # the extension makes the wheel platform-specific and runs build_ext
    # (also in place for `pip install -e .`).
    ext_modules=[Extension("ddaebm._go._bindings", sources=[])],
    cmdclass={"build_ext": GopyBuild},
)
