"""Shared types and learner-readable errors of the engine.

``Shape`` excludes the batch axis: a Dense layer's output for 32 units is ``(32,)``, an
image is ``(C, H, W)``, a sequence ``(T, F)``. Every error raised for bad user input is a
``LayerLabError`` whose message a learner can read (what, where, expected, got, fix).
"""

from __future__ import annotations

Shape = tuple[int, ...]


class LayerLabError(Exception):
    """Base of every error meant to be shown to a learner as-is (no traceback)."""


class ShapeError(LayerLabError):
    """A layer cannot accept the shape it receives."""


class GraphError(LayerLabError):
    """The network's wiring is invalid (cycle, dangling input, too many inputs...)."""


class ConfigError(LayerLabError):
    """A layer, loss, optimizer or dataset option has an invalid value."""


class DataError(LayerLabError):
    """A dataset cannot be loaded or does not fit the network."""


class ProjectFileError(LayerLabError):
    """A project file is corrupt, truncated or from an unsupported version."""


class TrainingError(LayerLabError):
    """Training cannot start or had to stop (e.g. the loss became NaN)."""


def format_shape(shape: Shape) -> str:
    """Human-readable shape: ``(8, 28, 28)`` -> ``"8×28×28"``, ``()`` -> ``"a scalar"``."""
    if len(shape) == 0:
        return "a scalar"
    return "×".join(str(d) for d in shape)
