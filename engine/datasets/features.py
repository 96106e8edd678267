"""Derived input features of 2-D data, as in TensorFlow Playground: x₁², x₁·x₂, sin(x₁), ...

A 2-D dataset (points ``(x₁, x₂)``) may ask for ``"features": ["x1^2", "x2^2"]``: the network
then receives those columns, in that order, instead of the two coordinates (``input_shape``
becomes ``(k,)``). The points themselves stay in the x₁/x₂ plane, which is what the plots
show; ``feature_columns`` turns any plane points (data or a probe grid) into network inputs.
A worked example: circles are not separable by a line in (x₁, x₂), but they are in
(x₁², x₂²), so logistic regression with no hidden layer separates them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.types import ConfigError

Column = Callable[[np.ndarray, np.ndarray], np.ndarray]

# name -> (learner label, help, column from x1: (N,), x2: (N,) -> (N,))
FEATURES: dict[str, tuple[str, str, Column]] = {
    "x1": ("x₁", "the first coordinate", lambda a, b: a),
    "x2": ("x₂", "the second coordinate", lambda a, b: b),
    "x1^2": ("x₁²", "the first coordinate squared", lambda a, b: a * a),
    "x2^2": ("x₂²", "the second coordinate squared", lambda a, b: b * b),
    "x1*x2": ("x₁·x₂", "the product of the coordinates", lambda a, b: a * b),
    "sin(x1)": ("sin(x₁)", "the sine of the first coordinate", lambda a, b: np.sin(a)),
    "sin(x2)": ("sin(x₂)", "the sine of the second coordinate", lambda a, b: np.sin(b)),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def feature_catalog() -> list[dict[str, str]]:
    """``[{"name": "x1^2", "label": "x₁²", "help": ...}]`` in display order (for a GUI)."""
    return [{"name": n, "label": label, "help": text}
            for n, (label, text, _) in FEATURES.items()]


def feature_label(name: str) -> str:
    """``"x1^2"`` -> ``"x₁²"``."""
    return FEATURES[name][0]


def check_features(value: Any, dataset: str) -> list[str]:
    """The feature list of a spec (None or [] = the plain inputs), or a ``ConfigError``."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(
            f"The option 'features' of the dataset '{dataset}' must be a list of feature "
            f"names such as ['x1^2', 'x2^2'], but it is {value!r}.")
    names = list(value)
    for name in names:
        if name not in FEATURES:
            raise ConfigError(
                f"The dataset '{dataset}' has no input feature {name!r}. Choose among: "
                f"{', '.join(FEATURE_NAMES)}.")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ConfigError(f"The input feature {twice!r} is listed twice in the dataset "
                          f"'{dataset}'; list each feature once.")
    return names


def feature_columns(points: np.ndarray, names: list[str]) -> np.ndarray:
    """``points: (N, 2)`` in the x₁/x₂ plane -> ``(N, len(names))`` network inputs.

    With no names the points are returned unchanged (the plain inputs).
    """
    if not names:
        return points
    x1, x2 = points[:, 0], points[:, 1]  # (N,), (N,)
    out = np.stack([FEATURES[n][2](x1, x2) for n in names], axis=1)  # (N, k)
    return np.ascontiguousarray(out, dtype=points.dtype)
