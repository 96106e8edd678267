"""The learner's own 2-D points: the dataset ``"points"`` and the spec of an edited point set.

A spec ``{"name": "points", "points": [[x1, x2, label], ...]}`` holds every point in the
project file (JSON-safe). ``n_classes`` is inferred from the labels (at least 2, at least the
``n_classes`` option); a point set may be empty or hold one class while it is being drawn.

The validation part is chosen *per point* from a hash of its coordinates and the seed
(``val_split`` is the expected share): adding, moving or removing one point never moves the
others between training and validation, so the picture stays stable while the learner draws.
``engine.datasets.point_edits.edited_spec`` turns any 2-D dataset's spec into a points spec
once the learner edits it (it reads the dataset registry, which imports this module).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData
from engine.types import ConfigError

MAX_CLASSES = 10
DECIMALS = 4  # coordinates stored in the project file are rounded to this many decimals


def check_points(value: Any, dataset: str = "points") -> np.ndarray:
    """``[[x1, x2, label], ...]`` -> ``(N, 3)`` float64, or a learner-readable ``ConfigError``."""
    try:
        rows = np.asarray(value if value is not None else [], dtype=np.float64)
    except (TypeError, ValueError):
        rows = None
    if rows is not None and rows.size == 0:
        return np.zeros((0, 3))
    if rows is None or rows.ndim != 2 or rows.shape[1] != 3 or not np.all(np.isfinite(rows)):
        raise ConfigError(f"The option 'points' of the dataset '{dataset}' must be a list of "
                          f"[x1, x2, class] rows of numbers, e.g. [[0.5, -1.0, 0]].")
    labels = rows[:, 2]
    bad = (labels != np.round(labels)) | (labels < 0) | (labels >= MAX_CLASSES)
    if bad.any():
        raise ConfigError(f"A point of the dataset '{dataset}' has the class {labels[bad][0]:g}; "
                          f"classes are whole numbers from 0 to {MAX_CLASSES - 1}.")
    return rows


def validation_mask(x: np.ndarray, val_split: float, seed: int) -> np.ndarray:
    """``x: (N, 2)`` -> ``(N,)`` bool, True for validation points (stable per point)."""
    if val_split <= 0 or len(x) == 0:
        return np.zeros(len(x), bool)
    bits = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)  # (N, 2)
    h = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)
    h ^= (bits[:, 1] + np.uint64(seed)) * np.uint64(0xC2B2AE3D27D4EB4F)
    for shift, factor in ((33, 0xFF51AFD7ED558CCD), (33, 0xC4CEB9FE1A85EC53)):  # murmur mix
        h ^= h >> np.uint64(shift)
        h *= np.uint64(factor)
    h ^= h >> np.uint64(33)
    u = (h >> np.uint64(11)).astype(np.float64) / float(2**53)  # uniform in [0, 1)
    mask = u < val_split
    if mask.all():
        mask[0] = False  # keep at least one training point
    return mask


def class_names_for(n_classes: int, given: list[str] | None) -> list[str]:
    """The given names, completed with ``class k`` up to ``n_classes``."""
    names = list(given or [])[:n_classes]
    return names + [f"class {k}" for k in range(len(names), n_classes)]


def points_raw(opts: dict[str, Any]) -> RawData:
    """Build the RawData of the resolved options of a ``points`` spec."""
    rows = check_points(opts["points"])  # the default [] is not checked by the registry
    x = rows[:, :2].astype(np.float32)  # (N, 2)
    y = rows[:, 2].astype(np.int64)  # (N,)
    found = int(y.max()) + 1 if len(y) else 0
    n_classes = max(found, 2, int(opts.get("n_classes") or 0))
    val = validation_mask(x, opts["val_split"], opts["seed"])
    counts = np.bincount(y, minlength=n_classes)
    per_class = ", ".join(str(int(c)) for c in counts)
    return RawData(
        x[~val], y[~val], CLASSIFICATION, n_classes, ["x1", "x2"],
        class_names_for(n_classes, opts.get("class_names")),
        f"Your own points: {len(x)} points in {n_classes} classes ({per_class} per class)",
        fixed_split=(x[val], y[val]),
    )


def rows_of(points: np.ndarray, labels: np.ndarray) -> list[list[float | int]]:
    """``(N, 2)`` points and ``(N,)`` labels -> JSON-safe ``[[x1, x2, label], ...]``."""
    pts = np.round(np.asarray(points, np.float64).reshape(-1, 2), DECIMALS)
    return [[float(a), float(b), int(c)] for (a, b), c in zip(pts.tolist(),
                                                              np.asarray(labels).tolist())]


def points_of(data: Any) -> list[list[float | int]]:
    """The rows of a loaded 2-D classification dataset as shown (training then validation),
    without duplicates (the logic gates validate on their training points)."""
    if getattr(data, "x_train_raw", None) is None:
        raise ConfigError("Only 2-D data (points in the x₁/x₂ plane) can be edited.")
    pts = np.concatenate([data.x_train_raw, data.x_val_raw])
    labels = np.concatenate([data.y_train, data.y_val]).astype(np.int64)
    table = np.concatenate([pts.astype(np.float64), labels[:, None]], axis=1)
    _, first = np.unique(table, axis=0, return_index=True)
    keep = np.sort(first)
    return rows_of(pts[keep], labels[keep])
