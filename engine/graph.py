"""The network as the canvas edits it: layer nodes, port-to-port edges, shape inference.

A ``Graph`` holds layer configs and canvas positions (no arrays). ``infer_shapes`` walks the
nodes in topological order, asks each layer for its ``output_shape`` and collects every
problem as a learner-readable message instead of stopping at the first one, so the canvas can
paint all red wires at once. Connections that can never be valid (into an Input, a cycle,
into a full port) are refused by ``check_connection`` before they exist.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from engine import validation
from engine.edge_index import EdgeList
from engine.layers import create_layer, layer_class
from engine.layers.base import Layer
from engine.types import GraphError, LayerLabError, Shape, ShapeError, format_shape


@dataclass
class Node:
    """One layer on the canvas: its kind, unique name, options and position."""

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options}

    def make_layer(self) -> Layer:
        return create_layer(self.config())


@dataclass(frozen=True)
class Edge:
    """A wire from ``source``'s output to input ``port`` of ``target``."""

    source: str
    target: str
    port: int = 0


@dataclass
class ShapeReport:
    """Result of shape inference: per node output shape, parameter count and error."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    bad_edges: set[Edge] = field(default_factory=set)
    frozen: set[str] = field(default_factory=set)  # layers with trainable: false

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.params.values())

    @property
    def frozen_params(self) -> int:
        """How many of ``total_params`` belong to frozen layers (not trained)."""
        return sum(n for name, n in self.params.items() if name in self.frozen)

    def params_text(self) -> str:
        """``"9,930 parameters"`` or ``"9,930 parameters (1,234 frozen)"``."""
        frozen = self.frozen_params
        tail = f" ({frozen:,} frozen)" if frozen else ""
        return f"{self.total_params:,} parameters{tail}"


class Graph:
    """Nodes in insertion order and the edges between them."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._edges = EdgeList()

    @property
    def edges(self) -> list[Edge]:
        """Every wire, in the order added; an ``EdgeList`` indexed by layer (see there)."""
        return self._edges

    @edges.setter
    def edges(self, edges: list[Edge]) -> None:
        self._edges = EdgeList(edges)

    # -- nodes -------------------------------------------------------------------------------
    def unique_name(self, kind: str) -> str:
        base = re.sub(r"(?<=[A-Za-z0-9])(?=[A-Z][a-z])", "_", kind).lower()
        i = 1
        while f"{base}_{i}" in self.nodes:
            i += 1
        return f"{base}_{i}"

    def add_node(
        self,
        kind: str,
        name: str | None = None,
        options: dict[str, Any] | None = None,
        position: tuple[float, float] = (0.0, 0.0),
    ) -> Node:
        """Add a layer; its options are validated now (ConfigError on a bad value)."""
        name = name or self.unique_name(kind)
        if name in self.nodes:
            raise GraphError(f"There is already a layer named '{name}'; pick another name.")
        layer = create_layer({"kind": kind, "name": name, **(options or {})})
        node = Node(name, kind, layer.get_config_options(), tuple(position))  # type: ignore
        self.nodes[name] = node
        return node

    def insert_node(self, node: Node, edges: list[Edge] | None = None) -> None:
        """Put back a node removed earlier (undo), with its edges."""
        self.nodes[node.name] = node
        self.edges.extend(edges or [])

    def remove_node(self, name: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its wires; return both so the edit can be undone."""
        node = self.nodes.pop(name)
        removed = [e for e in self.edges if name in (e.source, e.target)]
        gone = set(removed)
        self.edges = [e for e in self.edges if e not in gone]
        return node, removed

    def set_options(self, name: str, options: dict[str, Any]) -> dict[str, Any]:
        """Replace a node's options (validated); return the old ones."""
        node = self.nodes[name]
        layer = create_layer({"kind": node.kind, "name": name, **options})
        old, node.options = node.options, layer.get_config_options()
        return old

    def rename(self, old: str, new: str) -> None:
        if new in self.nodes:
            raise GraphError(f"There is already a layer named '{new}'.")
        node = self.nodes.pop(old)
        node.name = new
        self.nodes[new] = node
        self.edges = [
            Edge(new if e.source == old else e.source, new if e.target == old else e.target, e.port)
            for e in self.edges
        ]

    # -- edges -------------------------------------------------------------------------------
    def inputs_of(self, name: str) -> list[str]:
        return [e.source for e in sorted(self.in_edges(name), key=lambda e: e.port)]

    def in_edges(self, name: str) -> list[Edge]:
        return self._edges.incoming(name)

    def out_edges(self, name: str) -> list[Edge]:
        return self._edges.outgoing(name)

    def check_connection(self, source: str, target: str) -> str | None:
        """Why ``source -> target`` can never be valid, or None when it may be."""
        if source not in self.nodes or target not in self.nodes:
            return "Both ends of a wire must be layers on the canvas."
        if source == target:
            return "A layer cannot feed itself."
        cls = layer_class(self.nodes[target].kind)
        if cls.max_inputs == 0:
            return f"'{target}' is an Input layer: it receives data, not other layers' outputs."
        if any(e.source == source for e in self.in_edges(target)):
            return f"'{source}' is already connected to '{target}'."
        if self._reaches(target, source):
            return f"Connecting '{source}' to '{target}' would make a loop (a cycle)."
        if len(self.in_edges(target)) >= cls.max_inputs:
            return (
                f"'{target}' takes {cls.max_inputs} input(s) and already has them — remove a "
                "wire first, or merge branches with Add or Concatenate."
            )
        return None

    def connect(self, source: str, target: str, port: int | None = None) -> Edge:
        reason = self.check_connection(source, target)
        if reason:
            raise GraphError(reason)
        used = {e.port for e in self.in_edges(target)}
        if port is None:
            port = next(p for p in range(len(used) + 1) if p not in used)
        edge = Edge(source, target, port)
        self.edges.append(edge)
        return edge

    def disconnect(self, edge: Edge) -> None:
        self.edges.remove(edge)

    def _reaches(self, start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            name = stack.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                stack.extend(e.target for e in self.out_edges(name))
        return False

    # -- order and shapes --------------------------------------------------------------------
    def topological_order(self) -> list[str]:
        """Kahn's algorithm, stable in insertion order; GraphError on a cycle."""
        indegree = {n: 0 for n in self.nodes}
        for e in self.edges:
            indegree[e.target] += 1
        ready = deque(n for n in self.nodes if indegree[n] == 0)
        order: list[str] = []
        while ready:
            name = ready.popleft()
            order.append(name)
            for e in self.out_edges(name):
                indegree[e.target] -= 1
                if indegree[e.target] == 0:
                    ready.append(e.target)
        if len(order) != len(self.nodes):
            done = set(order)
            stuck = [n for n in self.nodes if n not in done]
            more = f" and {len(stuck) - 10:,} more" if len(stuck) > 10 else ""
            raise GraphError(f"The network has a loop through {', '.join(stuck[:10])}{more}; "
                             "remove one wire of it.")
        return order

    def input_nodes(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.kind == "Input"]

    def output_nodes(self) -> list[str]:
        return [n for n in self.nodes if not self.out_edges(n) and self.nodes[n].kind != "Input"]

    def infer_shapes(self) -> ShapeReport:
        """Shapes, parameter counts and every problem, without allocating arrays."""
        report = ShapeReport()
        try:
            order = self.topological_order()
        except GraphError as err:
            report.errors["(graph)"] = str(err)
            return report
        for name in order:
            self._infer_node(name, report)
        return report

    def _infer_node(self, name: str, report: ShapeReport) -> None:
        node = self.nodes[name]
        layer = node.make_layer()
        sources = self.inputs_of(name)
        if len(sources) < layer.min_inputs:
            need = "an input" if layer.min_inputs == 1 else f"at least {layer.min_inputs} inputs"
            report.errors[name] = (
                f"{layer.describe()} needs {need} — drag a wire from another layer's output to it."
            )
            return
        ports = sorted(e.port for e in self.in_edges(name))
        if ports != list(range(len(ports))):  # e.g. an LSTM's cell state wired, its h0 not
            missing = next(p for p in range(len(ports) + 1) if p not in ports)
            report.errors[name] = (
                f"{layer.describe()} has a wire into its {_port_label(layer, ports[-1])} but "
                f"none into its {_port_label(layer, missing)} — connect that too, or remove "
                "the extra wire.")
            report.bad_edges.update(self.in_edges(name))
            return
        if any(s not in report.shapes for s in sources):
            return  # an upstream problem is reported where it happens
        shapes = [report.shapes[s] for s in sources]
        try:
            out = tuple(layer.output_shape(shapes))
            count = layer.param_count(shapes)
            _check_size(layer, shapes, out, count)
            report.shapes[name], report.params[name] = out, count
            if count and not layer.trainable:
                report.frozen.add(name)
        except LayerLabError as err:
            report.errors[name] = str(err)
            report.bad_edges.update(self.in_edges(name))

    def validate(self) -> ShapeReport:
        """Like ``infer_shapes`` but raise the first problem as a GraphError/ShapeError."""
        report = self.infer_shapes()
        if report.errors:
            raise GraphError(next(iter(report.errors.values())))
        return report

    # -- files -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": [
                {**n.config(), "position": [float(n.position[0]), float(n.position[1])]}
                for n in self.nodes.values()
            ],
            "edges": [[e.source, e.target, e.port] for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Graph:
        """A graph from its file form, every entry checked (``engine.validation``): at most
        ``MAX_LAYERS`` layers and ``MAX_EDGES`` wires, names are text, wires are
        ``[source, target, port]`` with a port in range. Linear in the size of the file."""
        data = validation.mapping(data, "The 'graph' section", GraphError)
        layers = validation.sequence(data.get("layers", []), "The list of layers",
                                     validation.MAX_LAYERS, GraphError)
        edges = validation.sequence(data.get("edges", []), "The list of wires",
                                    validation.MAX_EDGES, GraphError)
        graph = cls()
        for i, entry in enumerate(layers):
            where = f"Layer {i + 1} of the list"
            entry = dict(validation.mapping(entry, where, GraphError))
            position = _position(entry.pop("position", (0.0, 0.0)), where)
            if "kind" not in entry:
                raise GraphError(f"{where} has no 'kind' (its type, such as 'Dense').")
            kind = validation.text(entry.pop("kind"), f"{where}: its kind", error=GraphError)
            name = entry.pop("name", None)
            if name is not None:
                name = validation.text(name, f"{where}: its name", error=GraphError)
            if name == "":
                raise GraphError(f"{where} has an empty name; give it a name.")
            graph.add_node(kind, name, entry, position)
        for i, wire in enumerate(edges):
            graph._load_edge(wire, f"Wire {i + 1} of the list")
        graph.topological_order()  # a loop in the file is refused here, once
        return graph

    def _load_edge(self, wire: Any, where: str) -> None:
        """One ``[source, target, port]`` entry: the checks of ``check_connection`` but the
        loop check, which ``from_dict`` does once for the whole graph."""
        wire = validation.sequence(wire, where, error=GraphError)
        if len(wire) != 3:
            raise GraphError(f"{where} must be [from, to, port]; it has {len(wire)} entries.")
        source = validation.text(wire[0], f"{where}: its start", error=GraphError)
        target = validation.text(wire[1], f"{where}: its end", error=GraphError)
        if source not in self.nodes or target not in self.nodes:
            missing = source if source not in self.nodes else target
            raise GraphError(f"{where} connects the layer '{missing}', which is not in the "
                             "file; remove that wire.")
        cls = layer_class(self.nodes[target].kind)
        limit = max(cls.max_inputs, 1) - 1
        port = validation.whole_number(wire[2], f"{where}: its input port", 0, limit,
                                       GraphError)
        reason = None if source != target else "A layer cannot feed itself."
        if cls.max_inputs == 0:
            reason = f"'{target}' is an Input layer: it receives data, not other layers' outputs."
        incoming = self.in_edges(target)
        if any(e.source == source for e in incoming):
            reason = f"'{source}' is already connected to '{target}'."
        if any(e.port == port for e in incoming) or len(incoming) >= cls.max_inputs:
            reason = f"'{target}' already has a wire into its input {port + 1}."
        if reason:
            raise GraphError(f"{where}: {reason}")
        self.edges.append(Edge(source, target, port))

    @classmethod
    def sequential(cls, configs: list[dict[str, Any]]) -> Graph:
        """A chain of layers, each fed by the previous one (handy in tests and examples)."""
        graph = cls()
        previous = None
        for i, cfg in enumerate(configs):
            cfg = dict(cfg)
            node = graph.add_node(cfg.pop("kind"), cfg.pop("name", None), cfg, (0.0, 120.0 * i))
            if previous:
                graph.connect(previous, node.name)
            previous = node.name
        return graph


def _port_label(layer: Layer, port: int) -> str:
    names = type(layer).port_names
    return f"'{names[port]}' input" if 0 <= port < len(names) else f"input {port + 1}"


def _check_size(layer: Layer, inputs: list[Shape], out: Shape, count: int) -> None:
    """Refuse parameters sized by a free length (-1), and outputs and parameter counts no
    computer can hold (stated limits)."""
    if any(d < 1 for shape in layer.param_shapes(inputs).values() for d in shape):
        got = ", ".join(format_shape(s) for s in inputs)
        raise ShapeError(f"{layer.describe()} needs inputs of a fixed size to size its "
                         f"weights, but receives {got} (-1 = any length). Give the Input "
                         "layer a fixed size.")
    values = math.prod(abs(d) for d in out)
    if values > validation.MAX_SAMPLE_VALUES:
        raise ShapeError(f"{layer.describe()} would output {values:,} numbers per sample; "
                         f"LayerLab handles at most {validation.MAX_SAMPLE_VALUES:,}. Use "
                         "fewer units, channels or a smaller input.")
    if count > validation.MAX_PARAMS:
        raise ShapeError(f"{layer.describe()} would have {count:,} parameters; LayerLab "
                         f"handles at most {validation.MAX_PARAMS:,} per layer. Use fewer "
                         "units or a smaller kernel.")


def _position(value: Any, where: str) -> tuple[float, float]:
    pair = validation.sequence(value, f"{where}: its position", error=GraphError)
    if len(pair) != 2:
        raise GraphError(f"{where}: its position must be two numbers [x, y].")
    x, y = (validation.real_number(v, f"{where}: its position", -1e9, 1e9, GraphError)
            for v in pair)
    return (x, y)
