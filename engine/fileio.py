"""Atomic file writes: never leave a half-written or silently clobbered file behind.

Data goes to a temporary file in the same folder, is flushed to disk, then renamed over the
target in one step (``os.replace``), so a crash mid-save leaves the old file intact; the folder
is then synced so the rename itself survives a power cut.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename) to disk; a no-op where folders cannot be opened."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:  # Windows: renames are flushed with the file
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flag)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename itself is done
    finally:
        os.close(fd)


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def atomic_write_npz(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    atomic_write_bytes(path, buffer.getvalue())


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")
