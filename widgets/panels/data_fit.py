"""Does the network fit the data? The dataset panel's banner text and one-click fix.

``input_problem``/``output_problem(data, graph)`` return ``(text, (layer name, new options),
button label)`` when the Input shape or the output units do not match the dataset, else None;
the fix is None (and the label "") when no single edit mends it. The checks themselves are
``engine.readiness_data``'s (the ones Play and the Problems panel run): a dataset whose
samples are several named parts (``Dataset.input_parts``) needs one Input per part, each
naming its part in "Receives". ``describe(data)`` is the one-paragraph summary under the
dataset choice.
"""

from __future__ import annotations

from typing import Any

from engine import readiness_data
from engine.datasets.base import Dataset
from engine.readiness import Problem as ReadinessProblem
from engine.readiness import SetOptions
from engine.types import format_shape

Problem = tuple[str, tuple[str, dict[str, Any]] | None, str]


def _as_banner(problem: ReadinessProblem | None) -> Problem | None:
    """An engine ``Problem`` as the banner's (text, (layer, options) or None, label)."""
    if problem is None:
        return None
    fix = problem.fix
    edit = fix.edits[0] if fix is not None and len(fix.edits) == 1 else None
    if fix is None or not isinstance(edit, SetOptions):
        return problem.message, None, ""
    return problem.message, (edit.layer, dict(edit.options)), fix.label


def input_problem(data: Dataset | None, graph: Any) -> Problem | None:
    """The Input layer(s) against the data (``engine.readiness_data.input_problem``)."""
    return _as_banner(readiness_data.input_problem(data, graph))


def output_problem(data: Dataset | None, graph: Any) -> Problem | None:
    """The output units against the classes (``engine.readiness_data.units_problem``)."""
    return _as_banner(readiness_data.units_problem(data, graph))


def _parts_text(parts: list[tuple[str, tuple[int, ...]]]) -> str:
    return " + ".join(f"{name} {format_shape(tuple(shape))}" for name, shape in parts)


def describe(data: Dataset) -> str:
    n_train, n_val = len(data.x_train), len(data.x_val)
    kind = (f"{data.n_classes} classes" if data.task == "classification"
            else f"regression, {data.output_dim} target(s)")
    parts = list(data.input_parts or [])
    shape = (f"input: {_parts_text(parts)}" if parts
             else f"input {format_shape(tuple(data.input_shape))}")
    poly = getattr(data, "poly", None)
    if poly is not None:
        shape += (f" ({', '.join(poly.base_names)} → polynomial features up to degree "
                  f"{poly.degree})")
    return (f"{data.description}\n{n_train} training + {n_val} validation samples · "
            f"{shape} · {kind}")


def file_filter(name: str) -> str:
    return {"csv": "CSV files (*.csv *.txt *.tsv);;All files (*)",
            "numpy": "NumPy files (*.npy *.npz);;All files (*)",
            "idx": "MNIST IDX (*idx* *.gz);;All files (*)"}.get(name, "All files (*)")
