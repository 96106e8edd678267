"""scikit-learn's bundled handwritten digits: 1797 images of 8×8 pixels, classes 0..9.

The data ships inside scikit-learn (no download). Pixels (0..16 in the original) are divided
by 16 into ``[0, 1]``. ``as_image=False`` gives flat vectors ``x: (N, 64)`` for an MLP,
``as_image=True`` gives channels-first images ``x: (N, 1, 8, 8)`` for a CNN; ``y: (N,)``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData, default_class_names
from engine.types import DataError

N_DIGITS = 1797


def _digits_table() -> tuple[np.ndarray, np.ndarray]:
    """``(pixels (1797, 64) 0..16, labels (1797,))`` read straight from scikit-learn's bundled
    ``digits.csv.gz`` (~20 ms); importing ``sklearn.datasets`` would take 2–3 s (SciPy), which
    a learner waited on when opening a digits example. Falls back to ``load_digits``."""
    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    if spec is not None and spec.origin is not None:
        table = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
        if table.is_file():
            rows = np.loadtxt(table, delimiter=",")
            return rows[:, :-1], rows[:, -1]
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise DataError("The digits dataset comes with scikit-learn, which is not installed; "
                        "install scikit-learn to use it.") from exc
    bunch = load_digits()
    return bunch.data, bunch.target


def digits(as_image: bool = False) -> RawData:
    """All 1797 digits; ``x: (1797, 64)`` or ``(1797, 1, 8, 8)`` float32 in [0, 1]."""
    pixels, labels = _digits_table()
    x = (pixels / 16.0).astype(np.float32)  # (1797, 64)
    y = labels.astype(np.int64)  # (1797,)
    if as_image:
        x = x.reshape(-1, 1, 8, 8)
    features = [f"pixel ({r}, {c})" for r in range(8) for c in range(8)]  # row-major
    shape = "1×8×8 images" if as_image else "vectors of 64 pixels"
    return RawData(x, y, CLASSIFICATION, 10, features, default_class_names(10),
                   f"Digits: {len(x)} handwritten digits 0–9 as {shape}, pixels in [0, 1]")
