#!/usr/bin/env bash
# Create the virtual environment and install the pinned dependencies (pyproject.toml).
# Set TORCH=1 to also install PyTorch 2.13.0 (CPU) for the oracle tests and the benchmark.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "LayerLab needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)." >&2
  exit 1
fi
if ! "$python" -m venv --help >/dev/null 2>&1; then
  echo "Python's venv module is missing. Install it: sudo apt-get install -y python3-venv" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# setuptools pinned: the wheel test builds LayerLab offline with the venv's own setuptools
"$venv/bin/python" -m pip install -q --upgrade pip "setuptools==84.2.1"
"$venv/bin/python" -m pip install -q ".[dev]"
# the clone runs its own files (main.py, make run/test): drop the installed copy of LayerLab
# itself so no stale engine/app/widgets sit in site-packages; its dependencies stay
"$venv/bin/python" -m pip uninstall -q -y layerlab
if [ "${TORCH:-0}" = "1" ]; then
  "$venv/bin/python" -m pip install -q "torch==2.13.0" \
    || echo "PyTorch 2.13.0 could not be installed: the oracle tests will be skipped." >&2
fi
