"""The PyTorch competitor: eager mode on CPU, float32, built from a workload's layer configs.

Optional: the benchmark skips it when torch is not importable (``available()``). A Dense chain
becomes ``nn.Sequential(nn.Linear, activation, ...)`` with torch's default initialisation
(``torch.manual_seed(0)``); a softmax output is left to ``F.cross_entropy`` (logits), as
PyTorch users write it. Variants: ``"default"`` (torch's default optimizer implementation) and
``"fused"`` (``fused=True``, Adam only). The epoch loop is the shared reference's: a
``torch.randperm`` shuffle, gather, slices, ``zero_grad(set_to_none=True)``, backward, step.
Later workloads whose layers are not Dense add a builder to ``BUILDERS`` (one entry each).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

VARIANTS = ("default", "fused")


def available() -> bool:
    return importlib.util.find_spec("torch") is not None


def variants_for(workload: Any) -> list[str]:
    """"fused" only exists (and only matters) for Adam."""
    return ["default", "fused"] if workload.optimizer in ("adam", "adamw") else ["default"]


def _activation(name: str) -> Any:
    import torch.nn as nn

    table = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if name in ("linear", "softmax"):  # softmax: F.cross_entropy applies it
        return None
    if name not in table:
        raise ValueError(f"torch reference: unsupported activation '{name}'")
    return table[name]()


def dense_chain(workload: Any) -> Any:
    """nn.Sequential for an Input + Dense chain workload."""
    import torch.nn as nn

    sizes = workload.mlp_sizes
    if sizes is None:
        raise ValueError(f"workload ({workload.id}): no torch builder for its layers")
    modules: list[Any] = []
    for (fi, fo), act in zip(zip(sizes[:-1], sizes[1:]), workload.activations):
        modules.append(nn.Linear(fi, fo))
        module = _activation(act)
        if module is not None:
            modules.append(module)
    return nn.Sequential(*modules)


BUILDERS: dict[str, Callable[[Any], Any]] = {}  # workload id -> model builder (non-Dense nets)


def build(workload: Any, variant: str = "default") -> dict[str, Any]:
    """-> dict(model, opt, loss) for the workload; ``variant`` in VARIANTS."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = BUILDERS.get(workload.id, dense_chain)(workload)
    kw: dict[str, Any] = {"fused": True} if variant == "fused" else {}
    lr = workload.learning_rate
    opt: Any
    if workload.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    elif workload.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr, **kw)
    else:
        raise ValueError(f"torch reference: unsupported optimizer '{workload.optimizer}'")
    loss = F.mse_loss if workload.loss == "mse" else F.cross_entropy
    model.train()
    return {"model": model, "opt": opt, "loss": loss}


def make_epoch(workload: Any, x: Any, y: Any, variant: str) -> Callable[[], tuple[float, int]]:
    """x, y: numpy arrays -> a function that trains one shuffled epoch -> (last loss, steps)."""
    import torch

    parts = build(workload, variant)
    model, opt, lossf = parts["model"], parts["opt"], parts["loss"]
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    n, bs = len(x), workload.batch

    def epoch() -> tuple[float, int]:
        perm = torch.randperm(n, generator=gen)
        xs, ys = tx[perm], ty[perm]
        last, steps = None, 0
        for i in range(0, n, bs):
            opt.zero_grad(set_to_none=True)
            value = lossf(model(xs[i : i + bs]), ys[i : i + bs])
            value.backward()
            opt.step()
            last, steps = value, steps + 1
        return float(last.detach()), steps  # type: ignore[union-attr]

    return epoch
