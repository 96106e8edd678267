"""Does the network fit the data? The data half of ``engine.readiness``.

``input_problem(data, graph)``: the Input layer(s) against the dataset's samples — one
Input of the sample's shape (with polynomial features, ``poly_degree``, one value per
feature: the message names them), or (``Dataset.input_parts``, e.g. the dates
encoder–decoder's "source" and "decoder input") one Input per part, each naming its part in
"Receives" (``part``). ``output_problems(ctx)``: the output layer against the classes or regression
targets and the loss (``engine.targets.choose_loss`` decides, as the trainer does). Each
returns ``Problem``s with a ``Fix`` when one edit mends it. Only shapes and the dataset's
metadata are read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import activations
from engine.datasets.base import Dataset
from engine.graph import Graph, Node
from engine.losses import get_loss
from engine.readiness_types import Context, Fix, Problem, SetOptions
from engine.targets import choose_loss, output_units
from engine.types import LayerLabError, format_shape

SQUASHING = ("sigmoid", "tanh", "step", "softsign", "hard_sigmoid")


def _shape(node: Node) -> tuple[int, ...]:
    return tuple(int(s) for s in node.options.get("shape", ()))


def _part(node: Node) -> str:
    return str(node.options.get("part", "") or "").strip()


def _set(node: Node, label: str, **changes: Any) -> Fix:
    return Fix(label, (SetOptions(node.name, {**node.options, **changes}),))


def output_activation(node: Node) -> str:
    """The activation that ends a layer, as ``Model.output_activation`` names it."""
    name = node.options.get("activation")
    try:
        return activations.get(name).name if name else "linear"
    except LayerLabError:
        return str(name)


# -- inputs ---------------------------------------------------------------------------------
def input_problem(data: Dataset | None, graph: Graph) -> Problem | None:
    """Why the Input layer(s) cannot take this dataset's samples, or None."""
    inputs = graph.input_nodes()
    if data is None or not inputs:
        return None
    nodes = [graph.nodes[name] for name in inputs]
    parts = [(str(n), tuple(int(d) for d in s)) for n, s in data.input_parts or []]
    if parts:
        return _parts_problem(data, nodes, parts)
    if len(nodes) != 1:
        return Problem(f"The network has {len(nodes)} Input layers, but this dataset gives one "
                       f"whole sample ({format_shape(tuple(data.input_shape))}): keep one "
                       f"Input, or choose data with several parts (the dates dataset, layout "
                       f"encoder-decoder).")
    node = nodes[0]
    if _part(node):
        return Problem(f"The Input layer '{node.name}' receives the part '{_part(node)}', but "
                       f"this dataset gives whole samples.", node.name,
                       _set(node, f"Let '{node.name}' receive the whole sample", part=""))
    shape = _shape(node)
    if shape == tuple(data.input_shape):
        return None
    want = format_shape(tuple(data.input_shape))
    poly = getattr(data, "poly", None)  # a Dataset built by hand may lack it
    why = "" if poly is None else (
        f" ({poly.n_inputs} input(s) and their polynomial features up to degree "
        f"{poly.degree}: {', '.join(poly.names[:4])}{', …' if len(poly.names) > 4 else ''})")
    return Problem(f"The data has {want} input value(s) per sample{why}, but the Input layer "
                   f"'{node.name}' expects {format_shape(shape)}.", node.name,
                   _set(node, f"Set Input shape to {want}", shape=list(data.input_shape)))


def _named_part_problem(nodes: list[Node], shapes: dict[str, tuple[int, ...]],
                        names: str) -> Problem | None:
    """An Input that names a part the dataset lacks, or a part whose shape it does not have."""
    for node in nodes:
        part = _part(node)
        if part in shapes:
            want = shapes[part]
            if _shape(node) != want:
                return Problem(
                    f"The part '{part}' has {format_shape(want)} value(s) per sample, but the "
                    f"Input layer '{node.name}' that receives it expects "
                    f"{format_shape(_shape(node))}.", node.name,
                    _set(node, f"Set '{node.name}' shape to {format_shape(want)}",
                         shape=list(want)))
        elif part:
            return Problem(f"The Input layer '{node.name}' receives '{part}', but this "
                           f"dataset's parts are {names}: pick one in its 'Receives' setting.",
                           node.name)
    return None


def _parts_problem(data: Dataset, nodes: list[Node],
                   parts: list[tuple[str, tuple[int, ...]]]) -> Problem | None:
    """Each Input names a part of the dataset and has its shape."""
    names = ", ".join(f"'{name}'" for name, _ in parts)
    listed = ", ".join(f"{name} {format_shape(shape)}" for name, shape in parts)
    taken = {_part(node) for node in nodes}
    named = _named_part_problem(nodes, dict(parts), names)
    if named is not None:
        return named
    whole = [node for node in nodes if not _part(node)]
    if len(nodes) == 1 and whole:
        node = whole[0]
        if _shape(node) == tuple(data.input_shape):
            return None  # reads both parts as one sequence
        count = {2: "two", 3: "three"}.get(len(parts), str(len(parts)))
        return Problem(f"This dataset has {count} parts per sample ({listed}): the network "
                       f"needs one Input layer per part, each naming its part in 'Receives' "
                       f"(e.g. '{node.name}' receives '{parts[0][0]}'; add an Input that "
                       f"receives '{parts[-1][0]}').", node.name)
    if whole:
        node, free = whole[0], [(n, s) for n, s in parts if n not in taken]
        text = (f"The Input layer '{node.name}' does not say which part of a sample it "
                f"receives ({listed}): choose one in its 'Receives' setting.")
        if len(whole) == 1 and len(free) == 1:
            name, shape = free[0]
            return Problem(text, node.name, _set(node, f"Let '{node.name}' receive '{name}'",
                                                 part=name, shape=list(shape)))
        return Problem(text, node.name)
    return None


# -- outputs --------------------------------------------------------------------------------
def units_problem(data: Dataset | None, graph: Graph, out_shape: tuple[int, ...] | None = None
                  ) -> Problem | None:
    """The output layer's units against the number of classes (classification only)."""
    outputs = graph.output_nodes()
    if data is None or data.task != "classification" or len(outputs) != 1:
        return None
    node = graph.nodes[outputs[0]]
    units = output_units(out_shape) if out_shape else node.options.get("units")
    k = data.n_classes
    if not isinstance(units, int) or units == k or (units == 1 and k == 2):
        return None
    activation = output_activation(node)
    changes: dict[str, Any] = {"units": k}
    if activation not in ("softmax", "linear"):  # e.g. a palette Dense's ReLU: scores need
        changes["activation"] = "softmax"        # softmax (or logits) for cross-entropy
    text = (f"The data has {k} classes but the output layer '{node.name}' has {units} "
            f"unit(s): one unit per class is needed (or 1 sigmoid unit for 2 classes).")
    if "units" not in node.options:
        return Problem(text, node.name)
    label = f"Set '{node.name}' to {k} units" + (" with softmax" if "activation" in changes
                                                 else "")
    return Problem(text, node.name, _set(node, label, **changes))


def output_problems(ctx: Context) -> None:
    """Output layer vs classes/targets and the loss, as the supervised trainer decides."""
    data, graph = ctx.data, ctx.graph
    assert data is not None
    name = graph.output_nodes()[0]
    node, out_shape = graph.nodes[name], tuple(ctx.report.shapes[name])
    if data.task == "classification":
        _classification(ctx, data, node, out_shape)
    else:
        _regression(ctx, data, node, out_shape)


def _classification(ctx: Context, data: Dataset, node: Node, out_shape: tuple[int, ...]
                    ) -> None:
    problem = units_problem(data, ctx.graph, out_shape)
    if problem is not None:
        ctx.problems.append(problem)
        return
    cfg, act = ctx.project.training, output_activation(node)
    try:
        _loss, coder, _ = choose_loss(cfg.loss, cfg.loss_options, data.task, data.n_classes,
                                      output_units(out_shape), act)
    except LayerLabError as err:
        text = str(err)
        want = next((a for a in ("softmax", "sigmoid") if f"needs a {a} output" in text), None)
        fix = _set(node, f"Set '{node.name}' activation to {want}", activation=want) \
            if want and "activation" in node.options else None
        ctx.add(text, node.name, fix)
        return
    labels = tuple(int(d) for d in np.shape(data.y_train)[1:])  # () or (T,) per position
    if coder.encoding == "labels":
        fits = tuple(out_shape[:-1]) == labels
    else:
        per_label = data.n_classes if coder.encoding == "onehot" else 1
        fits = int(np.prod(labels)) * per_label == int(np.prod(out_shape))
    if not fits:
        where = f"one class for each of {format_shape(labels)} positions" if labels \
            else "one class per sample"
        ctx.add(f"The data gives {where}, but the output layer '{node.name}' gives "
                f"{format_shape(out_shape)} value(s) per sample — its shape must give one "
                f"score per class for each of them.", node.name)


def _regression(ctx: Context, data: Dataset, node: Node, out_shape: tuple[int, ...]) -> None:
    cfg = ctx.project.training
    name = "mse" if cfg.loss == "auto" else cfg.loss
    try:
        loss = get_loss(name, **cfg.loss_options)
    except LayerLabError as err:
        ctx.add(str(err))
        return
    targets = int(np.prod(np.shape(data.y_train)[1:]))  # values to predict per sample
    per_target = 2 if loss.name == "gaussian_nll" else 1
    given = int(np.prod(out_shape))
    if given == targets * per_target and (per_target == 1 or out_shape[-1] % 2 == 0):
        return
    want = targets * per_target
    text = (f"The data has {targets} target value(s) to predict per sample (a regression "
            f"task), but the output layer '{node.name}' gives {format_shape(out_shape)}"
            + (" — a mean and an uncertainty per target are needed" if per_target == 2
               else "") + ".")
    fix = None
    if "units" in node.options and len(out_shape) == 1:
        changes: dict[str, Any] = {"units": want}
        if output_activation(node) in ("softmax", *SQUASHING):
            changes["activation"] = "linear"
        label = f"Set '{node.name}' to {want} unit(s)" + (
            " with a linear output" if "activation" in changes else "")
        fix = _set(node, label, **changes)
    ctx.add(text, node.name, fix)
