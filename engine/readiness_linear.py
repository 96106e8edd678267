"""A network with no non-linearity: a warning for the Problems panel, a fact for the Coach.

A stack of Dense (or convolution) layers with the 'linear' activation is one matrix product:
however many layers it has, a classifier built from it can only draw straight boundaries
(a plane in more dimensions) and a regressor only fit a flat plane. ``is_linear(graph)`` says
so when the network has a hidden layer (two or more weight layers) and every layer before the
output is one that keeps it linear — a weight layer with the linear activation, or a layer
that only moves, drops, averages or adds values (``KEEPS_LINEAR``). Anything else (an
activation layer, max pooling, normalisation by a sample's own spread, a recurrent or
attention layer) counts as a non-linearity, so the check never warns about a network that
could learn curves. The output layer's own activation (softmax, sigmoid) does not matter: it
squashes the scores but does not bend the boundary.

``linear_warning(graph, task)`` is the Problems panel's warning (level "warning": Play still
starts) with a one-click fix setting the hidden layers' activation to ReLU.
"""

from __future__ import annotations

from engine.graph import Graph
from engine.readiness_types import Fix, Problem, SetOptions

WEIGHT_KINDS = frozenset({"Dense", "Conv1D", "Conv2D", "Conv2DTranspose"})
KEEPS_LINEAR = WEIGHT_KINDS | {
    "Input", "Dropout", "SpatialDropout2D", "Flatten", "Reshape", "Add", "Concatenate",
    "AvgPool2D", "GlobalAveragePool2D", "BatchNormalization"}
FIX_ACTIVATION = "relu"


def _hidden(graph: Graph) -> list[str] | None:
    """The layers before the output that carry an activation option; None when the graph is
    not a linear network with a hidden layer (see the module doc)."""
    outputs = graph.output_nodes()
    if len(outputs) != 1 or not graph.input_nodes():
        return None
    output = outputs[0]
    weights = [n for n in graph.nodes.values() if n.kind in WEIGHT_KINDS]
    if len(weights) < 2 or graph.nodes[output].kind not in WEIGHT_KINDS:
        return None
    hidden: list[str] = []
    for name, node in graph.nodes.items():
        if name == output:
            continue
        if node.kind not in KEEPS_LINEAR:
            return None
        if node.kind in WEIGHT_KINDS or "activation" in node.options:
            if node.options.get("activation", "linear") != "linear":
                return None
            hidden.append(name)
    return hidden or None


def is_linear(graph: Graph) -> bool:
    """True when ``graph`` has hidden layers but nothing non-linear before its output."""
    return _hidden(graph) is not None


def linear_warning(graph: Graph, task: str) -> Problem | None:
    """The warning for a linear network (None otherwise), with a fix to ReLU hidden layers.

    ``task``: the dataset's task ("classification" or "regression"), for the words."""
    hidden = _hidden(graph)
    if hidden is None:
        return None
    can = ("it can only draw straight boundaries" if task == "classification"
           else "it can only fit straight lines and flat planes")
    edits = tuple(SetOptions(name, {**graph.nodes[name].options, "activation": FIX_ACTIVATION})
                  for name in hidden)
    which = hidden[0] if len(hidden) == 1 else f"{', '.join(hidden[:-1])} and {hidden[-1]}"
    fix = Fix(f"Set {which} to ReLU", edits)
    return Problem(f"Your network has no activation function: {can} — set the hidden "
                   f"layers' activation to ReLU.", hidden[0], fix, level="warning")
