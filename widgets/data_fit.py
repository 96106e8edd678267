"""Does the network fit the data? The dataset panel's banner text and one-click fix.

``input_problem``/``output_problem(data, graph)`` return ``(text, (layer name, new options),
button label)`` when the Input shape or the output units do not match the dataset, else None.
``describe(data)`` is the one-paragraph summary under the dataset choice.
"""

from __future__ import annotations

from typing import Any

from engine.datasets.base import Dataset
from engine.types import format_shape

Problem = tuple[str, tuple[str, dict[str, Any]], str]


def input_problem(data: Dataset | None, graph: Any) -> Problem | None:
    inputs = graph.input_nodes()
    if data is None or len(inputs) != 1:
        return None
    node = graph.nodes[inputs[0]]
    shape = tuple(int(s) for s in node.options.get("shape", ()))
    if shape == tuple(data.input_shape):
        return None
    want = format_shape(tuple(data.input_shape))
    text = (f"The data has {want} input value(s) per sample, but the Input layer "
            f"'{node.name}' expects {format_shape(shape)}.")
    return text, (node.name, {**node.options, "shape": list(data.input_shape)}), \
        f"Set Input shape to {want}"


def output_problem(data: Dataset | None, graph: Any) -> Problem | None:
    outputs = graph.output_nodes()
    if data is None or data.task != "classification" or len(outputs) != 1:
        return None
    node = graph.nodes[outputs[0]]
    units = node.options.get("units")
    k = data.n_classes
    if not isinstance(units, int) or units == k or (units == 1 and k == 2):
        return None
    activation = node.options.get("activation")
    fix = {**node.options, "units": k}
    if k > 2 and activation in ("sigmoid", "tanh", "step"):
        fix["activation"] = "softmax"
    text = (f"The data has {k} classes but the output layer '{node.name}' has {units} "
            f"unit(s): one unit per class is needed (or 1 sigmoid unit for 2 classes).")
    return text, (node.name, fix), f"Set '{node.name}' to {k} units"


def describe(data: Dataset) -> str:
    n_train, n_val = len(data.x_train), len(data.x_val)
    kind = (f"{data.n_classes} classes" if data.task == "classification"
            else f"regression, {data.output_dim} target(s)")
    return (f"{data.description}\n{n_train} training + {n_val} validation samples · "
            f"input {format_shape(tuple(data.input_shape))} · {kind}")


def file_filter(name: str) -> str:
    return {"csv": "CSV files (*.csv *.txt *.tsv);;All files (*)",
            "numpy": "NumPy files (*.npy *.npz);;All files (*)",
            "idx": "MNIST IDX (*idx* *.gz);;All files (*)"}.get(name, "All files (*)")
