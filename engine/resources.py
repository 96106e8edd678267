"""Where LayerLab's files are: the bundled assets (read-only) and the user's own folders.

Every file that ships with LayerLab (examples, lessons, texts, icons) is found here, through
``importlib.resources`` on the ``assets`` package — never relative to the current folder or
to the checkout — so the same code works from a clone (``assets/`` beside ``engine/``) and
from an installed wheel (``site-packages/assets``)::

    example_path("spiral")          # Path to assets/examples/spiral.layerlab.json
    lessons_dir()                   # Path to assets/lessons
    asset("text", "fables.txt")     # any bundled file, by folder parts (no "/" joins)

The user's folders (no Qt here; ``QStandardPaths`` keeps settings and recovery files in
``app``) follow each platform's convention: ``user_cache_dir()`` (numba's compiled kernels when
installed read-only) and ``user_log_dir()`` (the window's log file).
``configure_numba_cache()`` must run before numba is first imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from importlib import resources
from pathlib import Path

APP = "LayerLab"
EXAMPLE_SUFFIX = ".layerlab.json"
LESSON_SUFFIX = ".lesson.json"


def assets_dir() -> Path:
    """The bundled ``assets`` folder (a real folder: wheels install unzipped)."""
    root = resources.files("assets")
    if not isinstance(root, Path):  # pragma: no cover - zipped installs are not supported
        raise RuntimeError("LayerLab's assets must be installed as files, not inside a zip.")
    return root


def asset(*parts: str) -> Path:
    """A bundled file or folder by its path parts, e.g. ``asset("text", "aesop_fables.txt")``."""
    return assets_dir().joinpath(*parts)


def examples_dir() -> Path:
    return asset("examples")


def example_path(name: str) -> Path:
    """The bundled example ``name`` (file stem, e.g. ``"spiral"``); it may not exist."""
    return examples_dir() / f"{name}{EXAMPLE_SUFFIX}"


def example_names() -> list[str]:
    return sorted(p.name[: -len(EXAMPLE_SUFFIX)] for p in examples_dir().glob("*" + EXAMPLE_SUFFIX))


def lessons_dir() -> Path:
    return asset("lessons")


def icon_path() -> Path:
    """LayerLab's application icon (scalable SVG)."""
    return asset("icons", "layerlab.svg")


def package_root() -> Path:
    """The folder holding the ``engine`` package: the clone, or site-packages when installed."""
    return Path(__file__).resolve().parent.parent


def running_from_clone() -> bool:
    """True when started from a source checkout (``main.py`` and ``pyproject.toml`` beside)."""
    root = package_root()
    return (root / "pyproject.toml").is_file() and (root / "main.py").is_file()


# -- the user's folders -------------------------------------------------------------------------
def _home_env(env: Mapping[str, str], key: str, *fallback: str) -> Path:
    value = env.get(key, "")
    return Path(value) if value and Path(value).is_absolute() else Path.home().joinpath(*fallback)


def user_cache_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Per-user cache: ``%LOCALAPPDATA%\\LayerLab\\cache``, ``~/Library/Caches/LayerLab``,
    ``$XDG_CACHE_HOME/LayerLab`` (default ``~/.cache/LayerLab``)."""
    env, platform = env if env is not None else os.environ, platform or sys.platform
    if platform.startswith("win"):
        return _home_env(env, "LOCALAPPDATA", "AppData", "Local") / APP / "cache"
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    return _home_env(env, "XDG_CACHE_HOME", ".cache") / APP


def user_log_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Per-user logs: ``%LOCALAPPDATA%\\LayerLab\\logs``, ``~/Library/Logs/LayerLab``,
    ``$XDG_STATE_HOME/LayerLab/logs`` (default ``~/.local/state/LayerLab/logs``)."""
    env, platform = env if env is not None else os.environ, platform or sys.platform
    if platform.startswith("win"):
        return _home_env(env, "LOCALAPPDATA", "AppData", "Local") / APP / "logs"
    if platform == "darwin":
        return Path.home() / "Library" / "Logs" / APP
    return _home_env(env, "XDG_STATE_HOME", ".local", "state") / APP / "logs"


def numba_cache_choice(env: Mapping[str, str], from_clone: bool, package_writable: bool,
                       cache_dir: Path) -> str | None:
    """Where numba should cache compiled kernels, or None to keep its default (``__pycache__``
    beside each engine file): a clone, a writable install and a ``NUMBA_CACHE_DIR`` the user
    set keep the default; an install into a read-only folder uses ``cache_dir/numba``."""
    if env.get("NUMBA_CACHE_DIR") or from_clone or package_writable:
        return None
    return str(cache_dir / "numba")


def configure_numba_cache(env: MutableMapping[str, str] | None = None) -> str | None:
    """Set ``NUMBA_CACHE_DIR`` for a read-only install (call before numba is imported);
    returns the folder set, or None when numba keeps its default."""
    env = env if env is not None else os.environ
    engine_dir = Path(__file__).resolve().parent
    choice = numba_cache_choice(env, running_from_clone(), os.access(engine_dir, os.W_OK),
                                user_cache_dir(env))
    if choice is not None:
        env["NUMBA_CACHE_DIR"] = choice
    return choice
