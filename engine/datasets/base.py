"""The data model every dataset is delivered in, and small helpers shared by the loaders.

A loader (generator, digits, importer) first produces a ``RawData``: all samples, not yet split
or rescaled, ``x: (N, *input_shape)`` and ``y: (N,)`` int64 labels (classification) or
``(N, D)`` float32 targets (regression). ``engine.datasets.registry.load_dataset`` then splits
it into training and validation parts, rescales the inputs if asked (statistics from the
training part only) and returns a ``Dataset``. The rescaling is kept in ``preprocessing`` so
new raw inputs (a digit drawn by the learner) can be transformed the same way.

2-D data (points in the x₁/x₂ plane) also keeps its points in ``x_train_raw``/``x_val_raw``
(rescaled, ``(N, 2)``): with derived input features (``features``, see
``engine.datasets.features``) the network inputs ``x_train`` are ``(N, k)`` columns such as
x₁², while plots and probe grids stay in the plane and go through ``raw_to_inputs``.
Polynomial features (``poly_degree``, ``engine.datasets.polynomial``) come last: the inputs
before them stay in ``x_train_base``/``x_val_base`` (``(N, D)``, D = 1 or 2) and
``raw_to_inputs`` expands new points with the training statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine.datasets.features import feature_columns
from engine.datasets.polynomial import Polynomial
from engine.types import DataError

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class RawData:
    """All samples of a dataset before the split: ``x: (N, *input_shape)``, ``y: (N,)|(N, D)``."""

    x: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int
    feature_names: list[str]
    class_names: list[str]
    description: str
    fixed_split: tuple[np.ndarray, np.ndarray] | None = None  # (x_val, y_val) given, no split
    # several named parts per sample, flattened side by side in x (Model.bind_parts)
    input_parts: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)


@dataclass
class Dataset:
    """A dataset split into training and validation parts, ready for a network.

    ``x_train: (N, *input_shape)`` float32; ``y_train: (N,)`` int64 labels for classification
    or ``(N, D)`` float32 targets for regression; the same for ``x_val``/``y_val`` (M samples,
    M may be 0). ``output_dim`` is ``n_classes`` for classification (2 stays 2: the network's
    last layer decides between 1 sigmoid unit and 2 softmax units), ``D`` for regression.
    ``x_train_raw: (N, 2)``/``x_val_raw: (M, 2)`` are the points in the x₁/x₂ plane for 2-D
    data (the same arrays as ``x_train``/``x_val`` without ``features``), None otherwise.
    With polynomial features ``poly`` the network inputs are ``(N, P)`` standardized
    monomials of ``x_train_base: (N, D)``/``x_val_base: (M, D)`` (the inputs before them);
    without, ``poly`` and the base arrays are None.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str
    n_classes: int
    input_shape: tuple[int, ...]
    output_dim: int
    feature_names: list[str]
    class_names: list[str]
    description: str
    preprocessing: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)  # derived inputs; [] = x₁, x₂ as they are
    x_train_raw: np.ndarray | None = None  # (N, 2) points in the plane (2-D data only)
    x_val_raw: np.ndarray | None = None  # (M, 2)
    # ``[(name, shape), ...]`` when a sample is several inputs packed side by side (an
    # encoder–decoder's "source" and "decoder input"): ``x: (N, Σ prod(shape))``; [] = one
    input_parts: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    poly: Polynomial | None = None  # polynomial features fitted on the training part
    x_train_base: np.ndarray | None = None  # (N, D) inputs before the polynomial features
    x_val_base: np.ndarray | None = None  # (M, D)

    @property
    def n_train(self) -> int:
        return int(len(self.x_train))

    @property
    def n_val(self) -> int:
        return int(len(self.x_val))

    @property
    def is_plane(self) -> bool:
        """True for 2-D points (a decision map can be drawn over x₁/x₂)."""
        return self.x_train_raw is not None

    @property
    def is_line(self) -> bool:
        """True for 1-D inputs expanded into polynomial features (a curve along x)."""
        return self.x_train_base is not None and self.x_train_base.shape[1:] == (1,) \
            and not self.is_plane

    def raw_to_inputs(self, x_plane: np.ndarray) -> np.ndarray:
        """Points in the plane ``(B, 2)`` (already rescaled; on a line ``(B, 1)``) -> network
        inputs ``(B, k)``: the derived features, then the polynomial features."""
        x = feature_columns(np.asarray(x_plane, dtype=np.float32), self.features)
        return self.poly.apply(x) if self.poly is not None else x

    def prepare_inputs(self, x_raw: np.ndarray) -> np.ndarray:
        """Rescale new raw samples as the dataset's inputs were, then derive the features:
        ``(B, *raw_shape)`` -> ``(B, *input_shape)``."""
        x = apply_preprocessing(self.preprocessing, np.asarray(x_raw, dtype=np.float32))
        return self.raw_to_inputs(x) if self.features or self.poly is not None else x

    def without_poly(self) -> Dataset:
        """The same data before its polynomial features (itself when it has none)."""
        if self.poly is None or self.x_train_base is None or self.x_val_base is None:
            return self
        return replace(self, x_train=self.x_train_base, x_val=self.x_val_base,
                       input_shape=tuple(int(d) for d in self.x_train_base.shape[1:]),
                       feature_names=list(self.poly.base_names), poly=None,
                       x_train_base=None, x_val_base=None)


def apply_preprocessing(prep: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """Rescale ``x: (B, *input_shape)`` with stored statistics (each ``(*input_shape)``)."""
    kind = prep.get("kind", "none")
    if kind == "standardize":
        return ((x - prep["mean"]) / prep["std"]).astype(x.dtype, copy=False)
    if kind == "minmax":
        return ((x - prep["min"]) / prep["range"]).astype(x.dtype, copy=False)
    return x


def one_hot(labels: np.ndarray, n_classes: int, dtype: Any = np.float32) -> np.ndarray:
    """``labels: (N,)`` integers in ``[0, n_classes)`` -> ``(N, n_classes)`` 0/1 rows."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise DataError(f"one_hot expects a flat list of labels, got an array of shape "
                        f"{labels.shape}.")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataError(
            f"A label is outside 0..{n_classes - 1} (found {labels.min()}..{labels.max()}); "
            f"check the number of classes."
        )
    out = np.zeros((len(labels), n_classes), dtype=dtype)
    out[np.arange(len(labels)), labels.astype(np.int64)] = 1
    return out


def default_class_names(n_classes: int) -> list[str]:
    """``3`` -> ``["0", "1", "2"]``."""
    return [str(i) for i in range(n_classes)]


def encode_target(values: np.ndarray, task: str = "auto", where: str = "the target"
                  ) -> tuple[np.ndarray, str, int, list[str]]:
    """Turn raw target values ``(N,)`` or ``(N, D)`` into ``(y, task, n_classes, class_names)``.

    Text values are always class names. With ``task="auto"``, integer-valued numbers with at
    most 20 distinct values are classes, anything else is a regression target. Class labels are
    the positions of the sorted distinct values, so targets 0..K-1 keep their meaning.
    """
    if task not in ("auto", CLASSIFICATION, REGRESSION):
        raise DataError(f"The task must be 'auto', 'classification' or 'regression', not "
                        f"'{task}'.")
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    is_text = values.dtype.kind in "USO"
    if is_text:
        if task == REGRESSION:
            raise DataError(f"{where} holds text, so it can only be predicted as classes: "
                            f"choose the task 'classification' or another target column.")
        return _as_classes(values.astype(str), where)
    if values.dtype.kind not in "biuf":
        raise DataError(f"{where} must hold numbers or class names, not {values.dtype}.")
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise DataError(f"{where} contains missing or infinite values; fill them in or remove "
                        f"those samples.")
    if task == "auto":
        task = CLASSIFICATION if _looks_like_classes(values) else REGRESSION
    if task == CLASSIFICATION:
        if values.ndim != 1:
            raise DataError(f"{where} has {values.shape[1]} columns; classification needs one "
                            f"label per sample.")
        return _as_classes(values, where)
    y = values.astype(np.float32).reshape(len(values), -1)
    return y, REGRESSION, 0, []


def _looks_like_classes(values: np.ndarray) -> bool:
    if values.ndim != 1:
        return False
    if values.dtype.kind == "f" and not np.all(values == np.round(values)):
        return False
    return len(np.unique(values)) <= 20


def _as_classes(values: np.ndarray, where: str) -> tuple[np.ndarray, str, int, list[str]]:
    distinct, labels = np.unique(values, return_inverse=True)
    if len(distinct) > 200:
        raise DataError(f"{where} has {len(distinct)} different values — too many to be "
                        f"classes. Choose the task 'regression' or another target column.")
    if values.dtype.kind == "f":
        names = [f"{v:g}" for v in distinct]
    else:
        names = [str(v) for v in distinct]
    return labels.astype(np.int64).reshape(-1), CLASSIFICATION, len(distinct), names
