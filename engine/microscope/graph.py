"""A scalar computational graph for the backprop microscope: every node holds ONE number.

Nodes are added in topological order (parents before children). Each op knows its value from
its parents' values and its *local derivative* ∂node/∂parent, so backpropagation is the chain
rule applied edge by edge (``engine.microscope.steps``). All arithmetic is float64.

Ops (``ScalarNode.op``):
- ``leaf``: an input or a parameter (``trainable``) — no parents;
- ``add``: Σ parents; ``mul``: parent₀ · parent₁;
- ``dot``: Σᵢ wᵢ·aᵢ (+ b): parents ``[w₁..wₙ, a₁..aₙ]`` (+ ``[b]`` when ``meta["bias"]``);
- ``act``: an elementwise activation ``meta["fn"]`` of one parent (``engine.activations``);
- ``mse``: mean over the k parents of (pᵢ − yᵢ)², targets ``meta["targets"]``;
- ``bce``: mean over the k parents of −(y·log p + (1−y)·log(1−p)) (p a sigmoid output);
- ``softmax_ce``: −log softmax(z)_c over the k logit parents, class c = ``meta["target"]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import activations
from engine.types import ConfigError

OPS = ("leaf", "add", "mul", "dot", "act", "mse", "bce", "softmax_ce")
EPS = 1e-12


@dataclass
class ScalarNode:
    """One number of the graph. ``label`` is what the view writes (e.g. ``w¹₁₂``)."""

    name: str
    label: str
    op: str
    parents: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    value: float = 0.0
    trainable: bool = False


class ScalarGraph:
    """Nodes in topological order and the name of the loss node (the last one added)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.nodes: dict[str, ScalarNode] = {}
        self.children: dict[str, list[str]] = {}

    # -- building ------------------------------------------------------------------------------
    def leaf(self, name: str, value: float, label: str | None = None,
             trainable: bool = False) -> str:
        return self._add(ScalarNode(name, label or name, "leaf", [], {}, float(value), trainable))

    def op(self, name: str, op: str, parents: list[str], label: str | None = None,
           **meta: Any) -> str:
        if op not in OPS or op == "leaf":
            raise ConfigError(f"Unknown microscope operation '{op}'.")
        for p in parents:
            if p not in self.nodes:
                raise ConfigError(f"Microscope node '{name}' uses '{p}', which is not built yet.")
        return self._add(ScalarNode(name, label or name, op, list(parents), dict(meta)))

    def _add(self, node: ScalarNode) -> str:
        if node.name in self.nodes:
            raise ConfigError(f"The microscope graph already has a node '{node.name}'.")
        self.nodes[node.name] = node
        self.children[node.name] = []
        for p in node.parents:
            self.children[p].append(node.name)
        return node.name

    @property
    def loss(self) -> str:
        return next(reversed(self.nodes))

    def params(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.trainable]

    def label(self, name: str) -> str:
        return self.nodes[name].label

    # -- numbers -------------------------------------------------------------------------------
    def forward(self) -> None:
        """Recompute every non-leaf value from its parents."""
        for node in self.nodes.values():
            if node.op != "leaf":
                node.value = self.compute(node)

    def compute(self, node: ScalarNode) -> float:
        v = [self.nodes[p].value for p in node.parents]
        if node.op == "add":
            return float(sum(v))
        if node.op == "mul":
            return v[0] * v[1]
        if node.op == "dot":
            n = node.meta["n"]
            return float(sum(v[i] * v[n + i] for i in range(n)) + (v[2 * n] if
                                                                  node.meta["bias"] else 0.0))
        if node.op == "act":
            return float(activations.forward(node.meta["fn"], np.array([[v[0]]]))[0, 0])
        if node.op == "mse":
            t = node.meta["targets"]
            return float(np.mean([(p - y) ** 2 for p, y in zip(v, t)]))
        if node.op == "bce":
            t = node.meta["targets"]
            return float(np.mean([-(y * math.log(max(p, EPS)) + (1 - y) *
                                    math.log(max(1 - p, EPS))) for p, y in zip(v, t)]))
        if node.op == "softmax_ce":
            z = np.array(v)
            m = z.max()
            return float(m + math.log(np.exp(z - m).sum()) - z[node.meta["target"]])
        raise ConfigError(f"Unknown microscope operation '{node.op}'.")

    def local(self, name: str, k: int) -> float:
        """∂node/∂(its k-th parent) at the current values."""
        node = self.nodes[name]
        v = [self.nodes[p].value for p in node.parents]
        if node.op == "add":
            return 1.0
        if node.op == "mul":
            return v[1 - k]
        if node.op == "dot":
            n = node.meta["n"]
            if k < n:
                return v[n + k]
            return v[k - n] if k < 2 * n else 1.0
        if node.op == "act":
            return float(activations.derivative(node.meta["fn"], np.array([[v[0]]]))[0, 0])
        if node.op == "mse":
            return 2.0 * (v[k] - node.meta["targets"][k]) / len(v)
        if node.op == "bce":
            p, y = v[k], node.meta["targets"][k]
            return (p - y) / max(p * (1 - p), EPS) / len(v)
        if node.op == "softmax_ce":
            z = np.array(v)
            s = np.exp(z - z.max())
            s /= s.sum()
            return float(s[k] - (1.0 if k == node.meta["target"] else 0.0))
        raise ConfigError(f"Unknown microscope operation '{node.op}'.")

    def gradients(self) -> dict[str, float]:
        """∂loss/∂node for every node (reverse accumulation over all edges)."""
        grads = {name: 0.0 for name in self.nodes}
        grads[self.loss] = 1.0
        for name in reversed(self.nodes):
            for k, p in enumerate(self.nodes[name].parents):
                grads[p] += grads[name] * self.local(name, k)
        return grads

    def layout(self) -> dict[str, tuple[int, int]]:
        """(column, row) of every node: operations one column right of their deepest parent;
        leaves one column left of their first consumer (weights sit beside their neuron)."""
        col: dict[str, int] = {}
        for name, node in self.nodes.items():
            if node.op != "leaf":
                col[name] = 1 + max((col.get(p, 0) for p in node.parents), default=0)
        for name, node in self.nodes.items():
            if node.op == "leaf":
                users = [col[c] for c in self.children[name]]
                col[name] = max(0, min(users, default=1) - 1)
        rows: dict[int, int] = {}
        out = {}
        for name in self.nodes:
            c = col[name]
            out[name] = (c, rows.get(c, 0))
            rows[c] = rows.get(c, 0) + 1
        return out
