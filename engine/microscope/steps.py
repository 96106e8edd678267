"""One training step of a ``ScalarGraph``, cut into the steps the microscope shows.

``Microscope(graph, learning_rate)`` runs the forward pass, the backward pass edge by edge and
the SGD update ``w ← w − η·∂L/∂w`` once, and records a ``Step`` for each: the node (and, for
backward steps, the edge parent → child) it sets, the number, and a formula line written out in
numbers (``∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w = (−0.5) × 0.25 × 2 = −0.25``).
``state(i)`` is what a view draws after step i: the known values, gradients and updates.
The graph's leaf values are never changed; ``new_values`` holds the updated parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.microscope.graph import ScalarGraph, ScalarNode

FORWARD, BACKWARD, UPDATE = "forward", "backward", "update"


def num(x: float) -> str:
    """A number as the formulas write it: 4 significant digits, a true minus sign."""
    text = f"{x:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}·10^{int(exp)}"
    return text.replace("-", "−")


def par(x: float) -> str:
    """``num`` in parentheses when negative (inside a product)."""
    return f"({num(x)})" if x < 0 else num(x)


@dataclass(frozen=True)
class Step:
    phase: str  # forward | backward | update
    node: str  # the node whose value, gradient or update this step sets
    text: str  # the formula line with numbers
    value: float
    edge: tuple[str, str] | None = None  # backward: (parent, child)


@dataclass
class Shown:
    """What the view draws after a step: numbers known so far and what to highlight."""

    step: Step | None
    values: dict[str, float] = field(default_factory=dict)
    grads: dict[str, float] = field(default_factory=dict)
    updated: dict[str, float] = field(default_factory=dict)


class Microscope:
    """Every step of one training step of ``graph`` with plain SGD at ``learning_rate``."""

    def __init__(self, graph: ScalarGraph, learning_rate: float = 0.1) -> None:
        self.graph, self.learning_rate = graph, float(learning_rate)
        graph.forward()
        self.grads = graph.gradients()
        self.steps: list[Step] = []
        self._forward_steps()
        self._backward_steps()
        self.new_values = {p: graph.nodes[p].value - self.learning_rate * self.grads[p]
                           for p in graph.params()}
        loss = graph.label(graph.loss)
        for p, new in self.new_values.items():
            lab, g = graph.label(p), self.grads[p]
            self.steps.append(Step(UPDATE, p, f"{lab} ← {lab} − η·∂{loss}/∂{lab} = "
                                              f"{num(graph.nodes[p].value)} − "
                                              f"{num(self.learning_rate)} × {par(g)} = {num(new)}",
                                   new))

    # -- forward -----------------------------------------------------------------------------
    def _forward_steps(self) -> None:
        g = self.graph
        for name, node in g.nodes.items():
            if node.op != "leaf":
                self.steps.append(Step(FORWARD, name, self._forward_text(node), node.value))

    def _forward_text(self, node: ScalarNode) -> str:
        g = self.graph
        labs = [g.label(p) for p in node.parents]
        vals = [g.nodes[p].value for p in node.parents]
        out = f"{node.label} = "
        if node.op == "add":
            return out + " + ".join(labs) + " = " + " + ".join(par(v) for v in vals) + \
                f" = {num(node.value)}"
        if node.op == "mul":
            return out + f"{labs[0]}·{labs[1]} = {par(vals[0])} × {par(vals[1])} = " \
                f"{num(node.value)}"
        if node.op == "dot":
            n = node.meta["n"]
            sym = " + ".join(f"{labs[i]}·{labs[n + i]}" for i in range(n))
            nums = " + ".join(f"{par(vals[i])}×{par(vals[n + i])}" for i in range(n))
            if node.meta["bias"]:
                sym, nums = f"{sym} + {labs[2 * n]}", f"{nums} + {par(vals[2 * n])}"
            return out + f"{sym} = {nums} = {num(node.value)}"
        if node.op == "act":
            f = node.meta["fn"]
            return out + f"{f}({labs[0]}) = {f}({num(vals[0])}) = {num(node.value)}"
        if node.op in ("mse", "bce"):
            t = node.meta["targets"]
            k = len(vals)
            one = "({p} − {y})²" if node.op == "mse" else "−[{y}·log {p} + (1−{y})·log(1−{p})]"
            terms = " + ".join(one.format(p=num(p), y=num(y)) for p, y in zip(vals, t))
            mean = "" if k == 1 else f"(1/{k})·"
            return out + f"{mean}{terms} = {num(node.value)}"
        label = node.meta["target"]
        return out + f"−log softmax({', '.join(labs)})[{label}] = {num(node.value)}"

    # -- backward ----------------------------------------------------------------------------
    def _backward_steps(self) -> None:
        g = self.graph
        lab = g.label(g.loss)
        self.steps.append(Step(BACKWARD, g.loss, f"∂{lab}/∂{lab} = 1", 1.0))
        acc = {name: 0.0 for name in g.nodes}
        acc[g.loss] = 1.0
        for child in reversed(g.nodes):
            for k, parent in enumerate(g.nodes[child].parents):
                local = g.local(child, k)
                contrib = self.grads[child] * local
                acc[parent] += contrib
                text = self._chain_text(parent, child, k)
                if len(g.children[parent]) > 1:
                    text += (f"   (a sum over {len(g.children[parent])} paths; "
                             f"so far ∂{lab}/∂{g.label(parent)} = {num(acc[parent])})")
                self.steps.append(Step(BACKWARD, parent, text, acc[parent], (parent, child)))

    def _chain_text(self, parent: str, child: str, k: int) -> str:
        """∂L/∂parent along this edge, the chain expanded while each node has one child."""
        g = self.graph
        factors = [(f"∂{g.label(child)}/∂{g.label(parent)}", g.local(child, k))]
        node = child
        while node != g.loss and len(g.children[node]) == 1:
            up = g.children[node][0]
            factors.insert(0, (f"∂{g.label(up)}/∂{g.label(node)}",
                               g.local(up, g.nodes[up].parents.index(node))))
            node = up
        if node != g.loss:
            factors.insert(0, (f"∂{g.label(g.loss)}/∂{g.label(node)}", self.grads[node]))
        value = self.grads[child] * g.local(child, k)
        symbols = " · ".join(s for s, _ in factors)
        numbers = " × ".join(par(v) for _, v in factors)
        head = f"∂{g.label(g.loss)}/∂{g.label(parent)}"
        if len(factors) == 1:
            return f"{head} = {num(value)}" if symbols == head else \
                f"{head} = {symbols} = {num(value)}"
        return f"{head} = {symbols} = {numbers} = {num(value)}"

    # -- replay ------------------------------------------------------------------------------
    def state(self, index: int) -> Shown:
        """Known numbers after steps 0..index (index −1: only the leaves are known)."""
        g = self.graph
        shown = Shown(None, {n: node.value for n, node in g.nodes.items() if node.op == "leaf"})
        for step in self.steps[: index + 1]:
            if step.phase == FORWARD:
                shown.values[step.node] = step.value
            elif step.phase == BACKWARD:
                shown.grads[step.node] = step.value
            else:
                shown.updated[step.node] = step.value
            shown.step = step
        return shown
