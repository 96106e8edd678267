"""Graph helpers of the generative recipes: the code layer, partial passes, sub-networks.

- ``code_layer(model, name)``: the bottleneck: the named layer, else the model's Sampling layer,
  else the *narrowest* hidden layer (fewest values per sample; the first in topological order
  on a tie; never the Input or the output).
- ``forward_from(model, node, value)``: run only the layers downstream of ``node`` with
  ``value`` as its output (decoding a latent code); the node must cut the graph in two.
- ``components(graph)``: the weakly connected sub-networks of a canvas, each as its own
  ``Graph`` (the GAN's generator and discriminator).
"""

from __future__ import annotations

import numpy as np

from engine.graph import Graph
from engine.model import Model
from engine.types import ConfigError, GraphError


def code_layer(model: Model, name: str = "") -> str:
    """The code layer's name (see the module docstring); ConfigError for an unknown name."""
    hidden = [n for n in model.order if n not in (model.input_name, model.output_name)]
    if name:
        if name not in hidden:
            raise ConfigError(
                f"The code layer '{name}' is not a hidden layer of the network; pick one of: "
                f"{', '.join(hidden) or '(none: add layers between Input and output)'}.")
        return name
    sampling = [n for n in hidden if model.layers[n].kind == "Sampling"]
    if sampling:
        return sampling[0]
    if not hidden:
        raise ConfigError("An autoencoder needs at least one hidden layer (the code) between "
                          "its Input and its output.")
    sizes = {n: int(np.prod(model.report.shapes[n])) for n in hidden}
    return min(hidden, key=lambda n: sizes[n])  # min keeps the first of equal sizes


def downstream(model: Model, node: str) -> list[str]:
    """Layers fed (directly or not) by ``node``, in topological order."""
    reach = {node}
    for name in model.order:
        if any(s in reach for s in model.sources[name]):
            reach.add(name)
    return [n for n in model.order if n in reach and n != node]


def forward_from(model: Model, node: str, value: np.ndarray) -> np.ndarray:
    """value: (B, *shape of node) -> model outputs (B, *output_shape), inference mode, final
    activation applied. ConfigError when a downstream layer also needs layers before ``node``."""
    after = downstream(model, node)
    values = {node: np.ascontiguousarray(value, dtype=model.dtype)}
    for name in after:
        missing = [s for s in model.sources[name] if s not in values]
        if missing:
            raise ConfigError(
                f"The layer '{name}' also reads '{missing[0]}', which comes before the code "
                f"layer '{node}', so codes cannot be decoded on their own. Choose a code layer "
                f"that every path from the Input to the output goes through.")
        values[name] = model.layers[name].forward([values[s] for s in model.sources[name]],
                                                  False)
    return model.finish_outputs(values[model.output_name] if after else values[node])


def components(graph: Graph) -> list[Graph]:
    """The weakly connected parts of ``graph`` (insertion order), each a new ``Graph`` that
    shares the node objects."""
    parent = {n: n for n in graph.nodes}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for e in graph.edges:
        parent[root(e.source)] = root(e.target)
    groups: dict[str, list[str]] = {}
    for n in graph.nodes:
        groups.setdefault(root(n), []).append(n)
    parts = []
    for names in groups.values():
        sub = Graph()
        sub.nodes = {n: graph.nodes[n] for n in names}
        sub.edges = [e for e in graph.edges if e.source in sub.nodes]
        parts.append(sub)
    return parts


def single_io(graph: Graph, what: str) -> tuple[str, str]:
    """(input name, output name) of a sub-network, or a GraphError naming ``what``."""
    ins, outs = graph.input_nodes(), graph.output_nodes()
    if len(ins) != 1 or len(outs) != 1:
        raise GraphError(f"The {what} needs exactly one Input and one output layer, but has "
                         f"{len(ins)} Input(s) and {len(outs)} output(s).")
    return ins[0], outs[0]
