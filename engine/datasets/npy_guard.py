"""Open a learner's ``.npy``/``.npz`` file safely: every array's header is read and checked
before any data is, so a damaged or hostile file gives a ``DataError`` that says what is wrong
(Python objects, a declared size beyond ``MAX_DATA_VALUES``, a cut-short file, a broken zip)
instead of a ``MemoryError`` or ``BadZipFile``.

``open_numpy(path)`` returns ``np.ndarray`` for ``.npy`` and ``{name: np.ndarray}`` for
``.npz``; both fully read into memory.
"""

from __future__ import annotations

import io
import math
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from engine.types import DataError
from engine.validation import MAX_DATA_VALUES

MAX_ARRAYS = 1000  # arrays in one .npz


def open_numpy(path: Path) -> np.ndarray | dict[str, np.ndarray]:
    """The array (``.npy``) or arrays by name (``.npz``) of ``path``, checked (module doc)."""
    damaged = (f"'{path.name}' cannot be read as a NumPy file; it may be damaged or not a "
               f".npy/.npz file.")
    try:
        if zipfile.is_zipfile(path):
            return _read_npz(path, damaged)
        with path.open("rb") as handle:
            size = path.stat().st_size
            return _read_npy(handle, size, path.name, damaged)
    except DataError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, KeyError,
            MemoryError, NotImplementedError, RuntimeError, UnicodeDecodeError, SyntaxError,
            tokenize.TokenError):
        raise DataError(damaged) from None


def _read_npz(path: Path, damaged: str) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.infolist() if m.filename.endswith(".npy")]
        if len(members) > MAX_ARRAYS:
            raise DataError(f"'{path.name}' holds {len(members):,} arrays; an .npz for "
                            f"LayerLab holds a few (x and y).")
        for member in members:
            with archive.open(member) as handle:
                name = member.filename[: -len(".npy")]
                where = f"'{path.name}' (array '{name}')"
                arrays[name] = _read_npy(handle, member.file_size, where, damaged)
    if not arrays:
        raise DataError(damaged)
    return arrays


def _read_npy(handle: IO[bytes], size: int, where: str, damaged: str) -> np.ndarray:
    """One ``.npy`` stream of ``size`` bytes: header checked, then data read."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    else:
        raise DataError(damaged)
    if dtype.hasobject:
        raise DataError(f"{where} holds Python objects, not plain numbers; save it with "
                        f"numeric arrays (e.g. np.savez(path, x=x, y=y)).")
    count = math.prod(shape)
    if count > MAX_DATA_VALUES:
        raise DataError(f"{where} declares {count:,} values; LayerLab imports at most "
                        f"{MAX_DATA_VALUES:,} numbers per array. The file is damaged, or the "
                        f"data must be made smaller first.")
    header_end = handle.tell()
    need = count * dtype.itemsize
    if size - header_end < need:
        raise DataError(f"{where} is cut short: its header promises {need:,} bytes of data "
                        f"but only {max(size - header_end, 0):,} follow. The file is damaged "
                        f"or was not saved completely.")
    data = handle.read(need)
    if len(data) < need:
        raise DataError(f"{where} is cut short; the file is damaged.")
    array = np.frombuffer(io.BytesIO(data).getbuffer(), dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C").copy()
