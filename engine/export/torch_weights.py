"""LayerLab weights <-> the exported PyTorch module's ``state_dict`` (numpy arrays only).

``to_torch(plan, weights)``: ``{"layer/param": array}`` -> ``{"<var>.<torch name>": array}``
(what the exported script loads); running statistics (``"layer/state:key"``) become buffers.
``from_torch(plan, state)`` inverts it, so a state dict saved by the exported training script
loads back into the project; given gradients instead of weights it maps them the same way (a
frozen, missing ``bias_hh`` counts as zero).
"""

from __future__ import annotations

import numpy as np

from engine.export.plan import Plan
from engine.export.torch_templates import code_for


def _key(var: str, sub: str) -> str:
    return var if sub == "" else f"{var}.{sub}"


def to_torch(plan: Plan, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A GAN's names get the ``generator.`` / ``discriminator.`` prefix of its ``GAN``."""
    if plan.gan is not None:
        return {**{f"generator.{k}": v for k, v in _to_torch(plan, weights).items()},
                **{f"discriminator.{k}": v for k, v in
                   _to_torch(plan.gan.discriminator, weights).items()}}
    return _to_torch(plan, weights)


def from_torch(plan: Plan, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Torch names -> LayerLab names; entries of layers that are absent are skipped."""
    if plan.gan is not None:
        def part(prefix: str) -> dict[str, np.ndarray]:
            return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}

        return {**_from_torch(plan, part("generator.")),
                **_from_torch(plan.gan.discriminator, part("discriminator."))}
    return _from_torch(plan, state)


def _to_torch(plan: Plan, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for step in plan.steps:
        if step.kind == "Input":
            continue
        mine = {k: np.asarray(weights[f"{step.name}/{k}"]) for k in step.params}
        state = f"{step.name}/state:"  # running statistics (BatchNormalization)
        mine.update({k[len(step.name) + 1:]: np.asarray(v) for k, v in weights.items()
                     if k.startswith(state)})
        if not mine:
            continue
        for sub, value in code_for(step).to_torch(mine).items():
            out[_key(step.var, sub)] = np.ascontiguousarray(value)
    return out


def _from_torch(plan: Plan, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for step in plan.steps:
        if step.kind == "Input":
            continue
        prefix = f"{step.var}."
        theirs = {k[len(prefix):]: np.asarray(v) for k, v in state.items()
                  if k.startswith(prefix)}
        if step.var in state:
            theirs[""] = np.asarray(state[step.var])
        if not theirs:
            continue
        for key, value in code_for(step).from_torch(theirs).items():
            out[f"{step.name}/{key}"] = np.ascontiguousarray(value)
    return out
