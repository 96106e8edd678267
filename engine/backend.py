"""The one place that chooses how the engine's kernels run: ``numba`` (default) or ``numpy``.

Every numba kernel has a plain-numpy reference twin. ``pick(kernel, reference)`` returns the
one to call under the current backend, so the whole engine can be switched to the readable
numpy versions (for teaching, debugging, or checking the kernels) with
``set_backend("numpy")``, the ``LAYERLAB_BACKEND`` environment variable, or
``main.py train --backend numpy``. The CUDA backend of a later issue plugs in here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.types import ConfigError

BACKENDS = ("numba", "numpy")
_current = os.environ.get("LAYERLAB_BACKEND", "numba").strip().lower() or "numba"
if _current not in BACKENDS:  # a typo in the environment must not crash the app
    _current = "numba"


def current() -> str:
    return _current


def set_backend(name: str) -> None:
    global _current
    name = name.strip().lower()
    if name == "auto":
        name = "numba"
    if name not in BACKENDS:
        raise ConfigError(f"Unknown backend '{name}'. Choose one of: {', '.join(BACKENDS)}.")
    _current = name


@contextmanager
def using(name: str) -> Iterator[None]:
    """Temporarily switch the backend (tests compare the two this way)."""
    previous = current()
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


def pick(kernel: Callable[..., Any], reference: Callable[..., Any]) -> Callable[..., Any]:
    """The numba ``kernel`` or its numpy ``reference``, whichever the backend says."""
    return kernel if _current == "numba" else reference
