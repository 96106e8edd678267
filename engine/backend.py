"""The one place that chooses how the engine's kernels run: ``numba`` (default), ``numpy`` or
``cuda``.

Every numba kernel has a plain-numpy reference twin. ``pick(kernel, reference)`` returns the
one to call under the current backend, so the whole engine can be switched to the readable
numpy versions (for teaching, debugging, or checking the kernels) with
``set_backend("numpy")``, the ``LAYERLAB_BACKEND`` environment variable, or
``main.py train --backend numpy``.

``cuda`` runs the training steps of the layer families that have GPU kernels
(``engine.cuda``) on an NVIDIA GPU and everything else with the numba CPU kernels (so
``pick`` returns the numba kernel under it too). It is optional and imported lazily: asking
for it on a machine without a GPU or without the ``cuda`` extra's packages falls back to
``numba`` and leaves one plain sentence in ``fallback_message()`` for the CLI or window to
show. Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) it counts as available.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.types import ConfigError

BACKENDS = ("numba", "numpy", "cuda")
CHOICES = ("auto", *BACKENDS)  # what a project file or --backend may name
_requested = os.environ.get("LAYERLAB_BACKEND", "numba").strip().lower() or "numba"
if _requested not in CHOICES:  # a typo in the environment must not crash the app
    _requested = "numba"
_current = "numba" if _requested in ("auto", "cuda") else _requested
_pending_cuda = _requested == "cuda"  # checked on first use: numba.cuda loads only then
_fallback: str | None = None


def current() -> str:
    """The backend in use: "numba", "numpy" or "cuda" (only when a GPU is really usable)."""
    if _pending_cuda:
        _resolve_cuda()
    return _current


def fallback_message() -> str | None:
    """Why ``cuda`` was asked for but the CPU engine runs instead (None when it was not)."""
    if _pending_cuda:
        _resolve_cuda()
    return _fallback


def set_backend(name: str) -> None:
    """Switch the backend; ``cuda`` without a usable GPU switches to ``numba`` instead and
    records why (``fallback_message``). Unknown names raise ``ConfigError``."""
    global _current, _pending_cuda, _fallback
    name = name.strip().lower()
    if name == "auto":
        name = "numba"
    if name not in BACKENDS:
        raise ConfigError(f"Unknown backend '{name}'. Choose one of: {', '.join(BACKENDS)}.")
    _pending_cuda, _fallback = False, None
    _current = name
    if name == "cuda":
        _pending_cuda = True
        _resolve_cuda()


def _resolve_cuda() -> None:
    global _current, _pending_cuda, _fallback
    from engine.cuda.runtime import cuda_status, fallback_sentence  # only when asked for

    _pending_cuda = False
    status = cuda_status()
    if status.available:
        _current, _fallback = "cuda", None
    else:
        _current, _fallback = "numba", fallback_sentence(status.reason)


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
    """The numba ``kernel`` or its numpy ``reference``, whichever the backend says (the
    ``cuda`` backend runs the layers it has no GPU kernels for with the numba kernels)."""
    return reference if _current == "numpy" else kernel
