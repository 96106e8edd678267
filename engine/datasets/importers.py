"""Importers for the learner's own data: CSV, NumPy ``.npy``/``.npz`` and MNIST IDX files.

Each returns a ``RawData`` (all samples, not yet split). ``load_csv``/``preview_csv`` live in
``csv_import`` and are re-exported here. ``.npy``: one 2-D numeric array whose last column is
the target. ``.npz``: arrays under the keys ``x`` and ``y`` (or ``X``/``Y``), ``x: (N, ...)``
of any sample shape. IDX (the MNIST format, optionally gzip-compressed): big-endian header,
magic number 2051 for images ``(N, rows, cols)`` and 2049 for labels ``(N,)``, unsigned bytes;
images come back as ``(N, 1, rows, cols)`` float32 scaled by 1/255.
"""

from __future__ import annotations

import gzip
import io
import math
import zlib
from pathlib import Path

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData, default_class_names, encode_target
from engine.datasets.csv_import import check_file, load_csv, preview_csv
from engine.datasets.npy_guard import open_numpy
from engine.types import DataError
from engine.validation import MAX_DATA_VALUES

FLOAT32_MAX = float(np.finfo(np.float32).max)

__all__ = ["load_csv", "preview_csv", "load_numpy", "load_idx"]

IDX_IMAGES, IDX_LABELS = 2051, 2049


def _check_inputs(x: np.ndarray, where: str) -> np.ndarray:
    if x.dtype.names is not None or x.dtype.kind not in "biuf":
        raise DataError(f"{where} must hold numbers, but its type is {x.dtype}. Save the "
                        f"inputs as a plain numeric array.")
    if x.ndim < 2:
        raise DataError(f"{where} must have one row per sample (at least 2 dimensions), but "
                        f"its shape is {x.shape}.")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise DataError(f"{where} contains missing (NaN) or infinite values; fill them in or "
                        f"remove those samples.")
    if x.size and float(np.max(np.abs(x))) > FLOAT32_MAX:
        raise DataError(f"{where} contains numbers too large for LayerLab (above "
                        f"{FLOAT32_MAX:.3g}); rescale the data first.")
    return x.astype(np.float32)


def _from_npy(path: Path, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if arr.dtype.names is not None:
        raise DataError(f"'{path.name}' holds a structured array (named fields "
                        f"{', '.join(arr.dtype.names)}); save a plain 2-D array whose last "
                        f"column is the target, or an .npz with x and y.")
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise DataError(f"'{path.name}' holds an array of shape {arr.shape}; a .npy file must "
                        f"be a table (samples × columns) whose last column is the target. For "
                        f"images or other shapes save an .npz with x and y.")
    return arr[:, :-1], arr[:, -1]


def _npz_key(files: list[str], wanted: str, path: Path) -> str:
    for key in (wanted, wanted.lower(), wanted.upper()):
        if key in files:
            return key
    listed = ", ".join(f"'{f}'" for f in files) or "none"
    raise DataError(f"'{path.name}' has no array named '{wanted}'. Its arrays are: {listed}. "
                    f"Name the inputs x and the targets y, or set x_key/y_key.")


def load_numpy(path: str | Path, x_key: str = "x", y_key: str = "y", task: str = "auto"
               ) -> RawData:
    """``.npy`` (2-D, last column = target) or ``.npz`` (``x: (N, ...)``, ``y: (N,)|(N, D)``)."""
    p = check_file(path, "NumPy file")
    if p.suffix.lower() not in (".npy", ".npz"):
        raise DataError(f"'{p.name}' is not a .npy or .npz file.")
    loaded = open_numpy(p)
    if isinstance(loaded, np.ndarray):
        x, target = _from_npy(p, loaded)
    else:
        files = list(loaded)
        x = loaded[_npz_key(files, x_key, p)]
        target = loaded[_npz_key(files, y_key, p)]
    x = _check_inputs(np.asarray(x), f"The inputs in '{p.name}'")
    if target.ndim == 0:
        raise DataError(f"The targets in '{p.name}' are a single number; save one target per "
                        f"sample (an array of length {len(x)}).")
    if len(target) != len(x):
        raise DataError(f"'{p.name}' has {len(x)} input samples but {len(target)} targets; "
                        f"they must match one to one.")
    y, task, n_classes, names = encode_target(target, task, f"The targets in '{p.name}'")
    features = ([f"feature {j + 1}" for j in range(x.shape[1])] if x.ndim == 2 else [])
    kind = f"{n_classes} classes" if task == CLASSIFICATION else "regression"
    return RawData(x, y, task, n_classes, features, names,
                   f"NumPy '{p.name}': {len(x)} samples of shape "
                   f"{'×'.join(map(str, x.shape[1:]))} ({kind})")


def _read_idx(path: str | Path, magic: int, what: str) -> np.ndarray:
    """One IDX file -> its ``uint8`` array, checking magic number and length."""
    p = check_file(path, f"IDX {what} file")
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
                raw = unpacked.read(MAX_DATA_VALUES + 17)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"'{p.name}' is a damaged gzip file; download or unpack it "
                            f"again.") from exc
    n_dims = 3 if magic == IDX_IMAGES else 1
    head = 4 * (1 + n_dims)
    if len(raw) < 4:
        raise DataError(f"'{p.name}' is too short to be an IDX {what} file.")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        other = {IDX_IMAGES: "images", IDX_LABELS: "labels"}.get(found)
        hint = (f" It looks like an IDX {other} file: did you swap the two files?"
                if other else " It is not an MNIST-style IDX file.")
        raise DataError(f"'{p.name}' starts with the number {found}, but an IDX {what} file "
                        f"starts with {magic}.{hint}")
    if len(raw) < head:
        raise DataError(f"'{p.name}' is cut short inside its header; the file is damaged.")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4))
    size = math.prod(dims)  # exact: 2**31 × 2**31 × 4 does not wrap around to 0
    if size > MAX_DATA_VALUES:
        raise DataError(f"'{p.name}' declares {' × '.join(map(str, dims))} = {size:,} "
                        f"values; LayerLab imports at most {MAX_DATA_VALUES:,}. The file is "
                        f"damaged or not an MNIST-style IDX file.")
    if len(raw) - head < size:
        raise DataError(f"'{p.name}' is cut short: its header promises {size:,} bytes of "
                        f"{what} ({' × '.join(map(str, dims))}) but only {len(raw) - head:,} "
                        f"follow. The file is damaged or incompletely downloaded.")
    return np.frombuffer(raw, dtype=np.uint8, count=size, offset=head).reshape(dims)


def load_idx(images_path: str | Path, labels_path: str | Path) -> RawData:
    """MNIST-style IDX pair -> ``x: (N, 1, rows, cols)`` float32 in [0, 1], ``y: (N,)``."""
    images = _read_idx(images_path, IDX_IMAGES, "images")
    labels = _read_idx(labels_path, IDX_LABELS, "labels")
    if len(images) != len(labels):
        raise DataError(f"The images file holds {len(images)} images but the labels file "
                        f"{len(labels)} labels; pick the matching pair (e.g. both 'train').")
    if len(images) == 0:
        raise DataError("The IDX files hold no images.")
    x = (images.astype(np.float32) / 255.0)[:, None]  # (N, 1, rows, cols)
    y = labels.astype(np.int64)
    n_classes = max(int(y.max()) + 1, 2)
    rows, cols = images.shape[1:]
    return RawData(x, y, CLASSIFICATION, n_classes, [], default_class_names(n_classes),
                   f"IDX '{Path(images_path).name}': {len(x)} images of {rows}×{cols} "
                   f"pixels, {n_classes} classes")
