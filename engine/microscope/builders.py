"""The graphs the microscope opens: f = (x + y)·z, one sigmoid neuron with a loss, and a small
Dense network taken from a project (one training sample, the engine's own loss).

``network_graph(model, loss, x, y)`` reads the weights of ``model`` (a chain Input → Dense → …
→ Dense, at most ``MAX_PARAMS`` parameters) and builds one node per input, weight, bias,
pre-activation z and activation a, then the loss node. ``x``: one sample ``(F,)``; ``y``: its
target as the engine's ``TargetCoder`` encodes it (``(k,)`` floats, or a class label for
softmax cross-entropy). Each weight leaf keeps ``meta["key"]`` (``"layer/kernel"``) and
``meta["index"]`` so ``param_gradients`` can lay the gradients out like ``Model.grads_flat``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.losses import Loss
from engine.microscope.graph import ScalarGraph
from engine.microscope.steps import Microscope
from engine.model import Model
from engine.types import ConfigError

MAX_PARAMS = 64
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sub(n: int) -> str:
    return str(n).translate(SUB)


def sup(n: int) -> str:
    return str(n).translate(SUP)


def sum_times(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> ScalarGraph:
    """f = (x + y)·z with x, y, z all learnable (the classic first example)."""
    g = ScalarGraph("f = (x + y)·z")
    for name, v in (("x", x), ("y", y), ("z", z)):
        g.leaf(name, v, trainable=True)
    g.op("q", "add", ["x", "y"])
    g.op("f", "mul", ["q", "z"])
    return g


def sigmoid_neuron(w: float = 0.8, x: float = 1.5, b: float = -0.7, target: float = 1.0,
                   loss: str = "mse") -> ScalarGraph:
    """a = σ(w·x + b) and L = (a − y)² ("mse") or binary cross-entropy ("bce")."""
    if loss not in ("mse", "bce"):
        raise ConfigError("The sigmoid neuron's loss is 'mse' or 'bce'.")
    g = ScalarGraph(f"a = σ(w·x + b), L = {'(a − y)²' if loss == 'mse' else 'cross-entropy'}")
    g.leaf("w", w, trainable=True)
    g.leaf("x", x)
    g.leaf("b", b, trainable=True)
    g.op("z", "dot", ["w", "x", "b"], n=1, bias=True)
    g.op("a", "act", ["z"], fn="sigmoid")
    g.op("L", loss, ["a"], targets=[float(target)])
    return g


def network_graph(model: Model, loss: Loss, x: np.ndarray, y: Any) -> ScalarGraph:
    """One sample through a small Dense chain (see the module docstring)."""
    layers = _dense_chain(model)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    g = ScalarGraph(f"{len(layers)}-layer network, one sample")
    prev = [g.leaf(f"x{i}", v, f"x{sub(i + 1)}") for i, v in enumerate(x)]
    zs: list[str] = []
    outs: list[str] = []
    for li, layer in enumerate(layers, start=1):
        kernel = np.asarray(layer.params["kernel"], dtype=np.float64)
        bias = layer.params.get("bias")
        act = str(layer.config.get("activation", "linear"))
        last = li == len(layers)
        zs, outs = [], []
        for j in range(kernel.shape[1]):
            ws = [g.leaf(f"w{li}_{i}_{j}", kernel[i, j], f"w{sup(li)}{sub(i + 1)}{sub(j + 1)}",
                         trainable=True) for i in range(kernel.shape[0])]
            for i, w in enumerate(ws):
                g.nodes[w].meta.update(key=f"{layer.name}/kernel", index=(i, j))
            parents = ws + prev
            if bias is not None:
                b = g.leaf(f"b{li}_{j}", float(bias[j]), f"b{sup(li)}{sub(j + 1)}",
                           trainable=True)
                g.nodes[b].meta.update(key=f"{layer.name}/bias", index=(j,))
                parents.append(b)
            z = g.op(f"z{li}_{j}", "dot", parents, f"z{sup(li)}{sub(j + 1)}", n=len(ws),
                     bias=bias is not None)
            zs.append(z)
            if act == "linear" or (last and act == "softmax"):
                outs.append(z)
            else:
                outs.append(g.op(f"a{li}_{j}", "act", [z], f"a{sup(li)}{sub(j + 1)}", fn=act))
        prev = outs
    _add_loss(g, loss, model, outs, zs, y)
    return g


def _dense_chain(model: Model) -> list[Any]:
    if model.n_params > MAX_PARAMS:
        raise ConfigError(f"The backprop microscope shows networks with at most {MAX_PARAMS} "
                          f"weights; this one has {model.n_params}. Use fewer or smaller "
                          "layers (e.g. 2 inputs, 4 hidden neurons, 1 output).")
    chain = []
    for name in model.order:
        if name in model.input_names:
            continue
        layer = model.layers[name]
        if layer.kind != "Dense" or len(model.sources[name]) != 1:
            raise ConfigError(f"The backprop microscope shows plain chains of Dense layers; "
                              f"'{name}' is a {layer.kind}. Remove it or open a Dense network.")
        act = str(layer.config.get("activation", "linear"))
        if act == "softmax" and name != model.output_name:
            raise ConfigError(f"The microscope shows softmax only on the output layer; "
                              f"'{name}' uses it in a hidden layer.")
        if layer.config.get("l1") or layer.config.get("l2"):
            raise ConfigError(f"'{name}' has an L1/L2 penalty, which the microscope leaves "
                              "out; set l1 and l2 to 0 to look inside.")
        chain.append(layer)
    if len(model.input_names) != 1 or len(model.input_shape) != 1:
        raise ConfigError("The backprop microscope needs one flat Input (e.g. shape 2).")
    return chain


def _add_loss(g: ScalarGraph, loss: Loss, model: Model, outs: list[str], zs: list[str],
              y: Any) -> None:
    act = model.output_activation()
    if loss.name == "mse":
        t = [float(v) for v in np.asarray(y, dtype=np.float64).reshape(-1)]
        g.op("L", "mse", outs, "L", targets=t)
    elif loss.name == "binary_crossentropy" and act == "sigmoid":
        t = [float(v) for v in np.asarray(y, dtype=np.float64).reshape(-1)]
        g.op("L", "bce", outs, "L", targets=t)
    elif loss.name == "categorical_crossentropy" and act == "softmax":
        arr = np.asarray(y)
        label = int(arr.argmax()) if arr.ndim and arr.size > 1 else int(arr.reshape(-1)[0])
        g.op("L", "softmax_ce", zs, "L", target=label)
    else:
        raise ConfigError(f"The microscope shows mean squared error, or cross-entropy after a "
                          f"sigmoid/softmax output; this network uses {loss.display_name} "
                          f"after {act}.")


def param_gradients(scope: Microscope) -> dict[str, np.ndarray]:
    """The microscope's gradients as ``{"layer/kernel": array, ...}`` (like ``get_weights``)."""
    out: dict[str, dict[tuple[int, ...], float]] = {}
    for name, node in scope.graph.nodes.items():
        if "key" in node.meta:
            out.setdefault(node.meta["key"], {})[node.meta["index"]] = scope.grads[name]
    arrays = {}
    for key, cells in out.items():
        shape = tuple(max(ix[d] for ix in cells) + 1 for d in range(len(next(iter(cells)))))
        arr = np.zeros(shape)
        for ix, v in cells.items():
            arr[ix] = v
        arrays[key] = arr
    return arrays
