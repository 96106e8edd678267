"""LayerLab's launcher: the ``layerlab`` command and ``python -m layerlab`` (``layerlab.cli``),
desktop integration on Linux (``layerlab.desktop``) and the window's log file
(``layerlab.logs``). The app itself lives in ``engine``/``app``/``widgets``; ``main.py`` in a
clone runs the same ``layerlab.cli.main``."""

from __future__ import annotations

import tomllib
from importlib import metadata

from engine.resources import package_root, running_from_clone


def version() -> str:
    """The version of this copy: ``pyproject.toml``'s in a clone, the installed metadata's
    otherwise (``0+unknown`` when neither can be read)."""
    if running_from_clone():
        try:
            with open(package_root() / "pyproject.toml", "rb") as f:
                return str(tomllib.load(f)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            pass
    try:
        return metadata.version("layerlab")
    except metadata.PackageNotFoundError:
        return "0+unknown"
