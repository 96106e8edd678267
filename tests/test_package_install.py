"""The wheel as a user installs it: built from a clean copy of the shipped folders (no
network: ``pip wheel --no-build-isolation`` with this venv's setuptools), installed into a
fresh virtual environment outside the repository, then run from another folder —
``layerlab --version``, ``check --example digits_cnn``, ``train --example xor --epochs 5`` and
an offscreen window that opens the spiral, takes a screenshot and closes.

The fresh venv gets the dependencies (numpy, numba, PySide6, ...) from this venv through a
``.pth`` line added after the install (the local package mirror is not needed); LayerLab's
own modules must come from the fresh venv's site-packages, which the test checks.
Slow: the first ``train`` compiles the dense kernels in the new install (~40 s here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["engine", "app", "widgets", "layerlab", "assets", "pyproject.toml", "README.md"]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs_from_another_folder(tmp_path):
    src, wheels, venv, work = (tmp_path / n for n in ("src", "wheels", "venv", "work"))
    src.mkdir()
    work.mkdir()
    for name in SHIPPED:  # a clean copy: no build/ leftovers or caches end up in the wheel
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "NUMBA_CACHE_DIR", "VIRTUAL_ENV")}
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
          "--no-index", str(src), "-w", str(wheels)], tmp_path, env)
    (wheel,) = wheels.glob("layerlab-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", str(wheel)], tmp_path, env)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], work, env).strip())
    (site / "layerlab-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env.update({"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(
        tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(
        tmp_path / "cache"), "PATH": os.pathsep.join([str(bindir), env.get("PATH", "")])})
    where = _run([str(python), "-c", "import engine, app, widgets, assets, layerlab\n"
                  "for m in (engine, app, widgets, assets, layerlab): print(m.__file__)"],
                 work, env)
    assert all(Path(line).is_relative_to(site) for line in where.split()), where
    layerlab = str(bindir / "layerlab")

    assert _run([layerlab, "--version"], work, env).strip() == "LayerLab 0.1.0"
    assert _run([str(python), "-m", "layerlab", "--version"], work, env).strip().startswith(
        "LayerLab ")
    assert "total: 9,930 trainable parameters" in _run(
        [layerlab, "check", "--example", "digits_cnn"], work, env)
    out = _run([layerlab, "train", "--example", "xor", "--epochs", "5"], work, env)
    assert "epoch 5/5" in out and (work / "reports" / "xor.report.json").is_file()

    shot = work / "spiral.png"
    env["QT_QPA_PLATFORM"] = "offscreen"
    _run([layerlab, "--example", "spiral", "--screenshot", str(shot), "--after", "1"], work, env,
         timeout=300)
    assert shot.is_file() and shot.stat().st_size > 10_000
