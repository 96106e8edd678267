"""Atomic file writes: never leave a half-written or silently clobbered file behind.

Data goes to a temporary file in the same folder, is flushed to disk, then renamed over the
target in one step (``os.replace``), so a crash mid-save leaves the old file intact; the folder
is then synced so the rename itself survives a power cut.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

STALE_SECONDS = 60.0  # an unmarked temp file this old belongs to no save in progress


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file ``.NAME.PID-*.tmp``, fsync, rename,
    then fsync of the folder so the rename itself survives a power cut. Temp files of this
    path left by a save that was killed are removed first (``clean_stale_temps``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a folder; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_stale_temps(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the ``.NAME.*.tmp`` files of ``path`` that no running save owns and return
    them: the writer's process id is in the name (``.NAME.PID-xxxx.tmp``), so a temp of a
    process that is gone (killed mid-save) is removed at once and one of a live process is
    kept; an unmarked temp is removed when older than ``STALE_SECONDS``."""
    path = Path(path)
    removed = []
    stem = f".{path.name}."
    for temp in path.parent.glob(f"{glob.escape(stem)}*.tmp"):
        owner = temp.name[len(stem):].split("-", 1)[0]
        try:
            if owner.isdigit() and int(owner) != os.getpid():
                stale = not _alive(int(owner))
            else:
                stale = not owner.isdigit() and time.time() - temp.stat().st_mtime > STALE_SECONDS
            if stale:
                temp.unlink()
                removed.append(temp)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists (another user's), or cannot tell: keep the file
    return True


def clean_folder_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """At start: ``clean_stale_temps`` for every file of ``folder`` with a temp beside it."""
    removed: list[Path] = []
    targets = {temp.parent / temp.name[1:].rsplit(".", 2)[0]
               for temp in Path(folder).glob(".*.*.tmp")}
    for target in targets:
        removed += clean_stale_temps(target)
    return removed


def check_writable(path: str | os.PathLike[str], what: str) -> None:
    """Raise a ``ProjectFileError`` now if ``path`` cannot be written later (a folder that
    cannot be created, no permission, a folder in the way) — before hours of training."""
    from engine.types import ProjectFileError

    path = Path(path)
    if path.is_dir():
        raise ProjectFileError(f"Cannot write {what} to '{path}': it is a folder. Give a file "
                               "name instead.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent):
            pass
    except OSError as err:
        reason = (err.strerror or "it cannot be written").lower()
        raise ProjectFileError(f"Cannot write {what} to '{path}' ({reason}). Choose another "
                               "place, e.g. --report reports/run.json.") from None
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
