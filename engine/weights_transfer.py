"""Load weights from another project: the layers whose names and shapes match, with a report.

Fine-tuning starts from a network trained on something else: ``match_weights(current,
other)`` takes two weight dicts keyed like ``Model.get_weights`` (``"layer/param"`` and
``"layer/state:key"``) and picks, layer by layer, the layers of ``current`` whose every array
has a same-named, same-shaped array in ``other``. A layer loads whole or not at all (half a
layer — a kernel without its bias — would be worse than none). ``TransferReport`` says which
layers were loaded, which were skipped and why, and which layers of the other project were
not used, in plain language. ``read_project_weights(path)`` reads the other project's
``.npz`` sidecar (written by Save) given its ``.layerlab.json`` or the ``.npz`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.project import load_weights, weights_path
from engine.types import format_shape


@dataclass
class TransferReport:
    """What ``match_weights`` decided, per layer name."""

    loaded: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (layer, why)
    unused: list[str] = field(default_factory=list)  # layers only the other project has
    arrays: int = 0  # how many numbers were loaded

    def lines(self, other: str = "the other project") -> list[str]:
        """The report as short sentences, one per line, for a dialog or the terminal."""
        out = [f"Loaded {len(self.loaded)} layer(s) from {other} "
               f"({self.arrays:,} numbers): {', '.join(self.loaded) or 'none'}."]
        out += [f"Skipped {name}: {why}" for name, why in self.skipped]
        if self.unused:
            out.append(f"Not used (no layer of that name here): {', '.join(self.unused)}.")
        if not self.loaded:
            out.append("Nothing matched: layers are matched by name and shape — rename the "
                       "layers you want to reuse so both projects use the same names.")
        return out


def _by_layer(weights: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, np.ndarray]] = {}
    for key, value in weights.items():
        layer, _, part = key.partition("/")
        out.setdefault(layer, {})[part] = value
    return out


def match_weights(current: dict[str, np.ndarray], other: dict[str, np.ndarray],
                  ) -> tuple[dict[str, np.ndarray], TransferReport]:
    """``(weights to load, report)``: every array of each layer of ``current`` whose arrays
    all have a same-named, same-shaped counterpart in ``other`` (values from ``other``)."""
    mine, theirs = _by_layer(current), _by_layer(other)
    picked: dict[str, np.ndarray] = {}
    report = TransferReport()
    for layer, arrays in mine.items():
        source = theirs.get(layer)
        if source is None:
            report.skipped.append((layer, "the other project has no layer with this name."))
            continue
        why = _mismatch(arrays, source)
        if why:
            report.skipped.append((layer, why))
            continue
        for part in arrays:
            picked[f"{layer}/{part}"] = source[part]
            report.arrays += int(source[part].size)
        report.loaded.append(layer)
    report.unused = [layer for layer in theirs if layer not in mine]
    return picked, report


def _mismatch(arrays: dict[str, np.ndarray], source: dict[str, np.ndarray]) -> str:
    for part, value in arrays.items():
        label = part.replace("state:", "")
        if part not in source:
            return f"its {label} has no counterpart in the other project (a different kind " \
                   "of layer there?)."
        if source[part].shape != value.shape:
            return (f"its {label} is {format_shape(value.shape)} here but "
                    f"{format_shape(source[part].shape)} in the other project (different "
                    "sizes: change units/filters or the input to match).")
    return ""


def read_project_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The trained weights saved beside a project: ``path`` is its ``.layerlab.json`` (the
    ``.npz`` next to it is read) or the ``.npz`` itself. ``ProjectFileError`` when missing
    or damaged, with what to do."""
    path = Path(path)
    sidecar = path if path.suffix == ".npz" else weights_path(path)
    weights, _history = load_weights(sidecar)
    return weights
