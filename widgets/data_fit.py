"""Does the network fit the data? The dataset panel's banner text and one-click fix.

``input_problem``/``output_problem(data, graph)`` return ``(text, (layer name, new options),
button label)`` when the Input shape or the output units do not match the dataset, else None;
the fix is None (and the label "") when no single edit mends it. A dataset whose samples are
several named parts (``Dataset.input_parts``: the dates encoder–decoder's "source" and
"decoder input") needs one Input per part, each naming its part in "Receives" (``part``).
``describe(data)`` is the one-paragraph summary under the dataset choice.
"""

from __future__ import annotations

from typing import Any

from engine.datasets.base import Dataset
from engine.types import format_shape

Problem = tuple[str, tuple[str, dict[str, Any]] | None, str]


def _shape(node: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in node.options.get("shape", ()))


def _part(node: Any) -> str:
    return str(node.options.get("part", "") or "").strip()


def _parts_text(parts: list[tuple[str, tuple[int, ...]]]) -> str:
    return " + ".join(f"{name} {format_shape(tuple(shape))}" for name, shape in parts)


def input_problem(data: Dataset | None, graph: Any) -> Problem | None:
    inputs = graph.input_nodes()
    if data is None or not inputs:
        return None
    nodes = [graph.nodes[name] for name in inputs]
    parts = [(str(n), tuple(int(d) for d in s)) for n, s in data.input_parts or []]
    if parts:
        return _parts_problem(data, nodes, parts)
    if len(nodes) != 1:
        return (f"The network has {len(nodes)} Input layers, but this dataset gives one "
                f"whole sample ({format_shape(tuple(data.input_shape))}): keep one Input, or "
                f"choose data with several parts (the dates dataset, layout "
                f"encoder-decoder).", None, "")
    node = nodes[0]
    if _part(node):
        return (f"The Input layer '{node.name}' receives the part '{_part(node)}', but "
                f"this dataset gives whole samples.",
                (node.name, {**node.options, "part": ""}),
                f"Let '{node.name}' receive the whole sample")
    shape = _shape(node)
    if shape == tuple(data.input_shape):
        return None
    want = format_shape(tuple(data.input_shape))
    text = (f"The data has {want} input value(s) per sample, but the Input layer "
            f"'{node.name}' expects {format_shape(shape)}.")
    return text, (node.name, {**node.options, "shape": list(data.input_shape)}), \
        f"Set Input shape to {want}"


def _parts_problem(data: Dataset, nodes: list[Any],
                   parts: list[tuple[str, tuple[int, ...]]]) -> Problem | None:
    """Each Input names a part of the dataset and has its shape."""
    shapes = dict(parts)
    names = ", ".join(f"'{name}'" for name, _ in parts)
    listed = ", ".join(f"{name} {format_shape(shape)}" for name, shape in parts)
    taken = {_part(node) for node in nodes}
    for node in nodes:
        part = _part(node)
        if part in shapes:
            want = shapes[part]
            if _shape(node) != want:
                return (f"The part '{part}' has {format_shape(want)} value(s) per sample, but "
                        f"the Input layer '{node.name}' that receives it expects "
                        f"{format_shape(_shape(node))}.",
                        (node.name, {**node.options, "shape": list(want)}),
                        f"Set '{node.name}' shape to {format_shape(want)}")
        elif part:
            return (f"The Input layer '{node.name}' receives '{part}', but this dataset's "
                    f"parts are {names}: pick one in its 'Receives' setting.", None, "")
    whole = [node for node in nodes if not _part(node)]
    if len(nodes) == 1 and whole:
        node = whole[0]
        if _shape(node) == tuple(data.input_shape):
            return None  # reads both parts as one sequence
        count = {2: "two", 3: "three"}.get(len(parts), str(len(parts)))
        return (f"This dataset has {count} parts per sample ({listed}): the network "
                f"needs one Input layer per part, each naming its part in 'Receives' (e.g. "
                f"'{node.name}' receives '{parts[0][0]}'; add an Input that receives "
                f"'{parts[-1][0]}').", None, "")
    if whole:
        node, free = whole[0], [(n, s) for n, s in parts if n not in taken]
        text = (f"The Input layer '{node.name}' does not say which part of a sample it "
                f"receives ({listed}): choose one in its 'Receives' setting.")
        if len(whole) == 1 and len(free) == 1:
            name, shape = free[0]
            return text, (node.name, {**node.options, "part": name, "shape": list(shape)}), \
                f"Let '{node.name}' receive '{name}'"
        return text, None, ""
    return None


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
    parts = list(data.input_parts or [])
    shape = (f"input: {_parts_text(parts)}" if parts
             else f"input {format_shape(tuple(data.input_shape))}")
    return (f"{data.description}\n{n_train} training + {n_val} validation samples · "
            f"{shape} · {kind}")


def file_filter(name: str) -> str:
    return {"csv": "CSV files (*.csv *.txt *.tsv);;All files (*)",
            "numpy": "NumPy files (*.npy *.npz);;All files (*)",
            "idx": "MNIST IDX (*idx* *.gz);;All files (*)"}.get(name, "All files (*)")
