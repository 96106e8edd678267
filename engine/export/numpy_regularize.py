"""What the NumPy script's training loop adds for the project's weight penalties and gradient
clipping (the blocks ``add_penalties`` / ``clip_gradients`` live in ``numpy_train_blocks``).

``penalties(plan)`` lists each penalised weight as the engine finds it
(``engine.stepper.penalized_params``: the layer's ``l1`` / ``l2`` options on the parameters
its class names in ``regularized_params``); ``loop_lines(plan)`` gives the loop's lines in the
engine's order: penalties right after backward (frozen layers' gradients are dropped next),
clipping after that, then the optimizer step.
"""

from __future__ import annotations

from engine.export.plan_steps import Plan
from engine.layers.registry import layer_class


def penalties(plan: Plan) -> dict[str, tuple[float, float]]:
    """``{"layer/param": (l1, l2)}`` of every weight with an L1/L2 penalty."""
    out = {}
    for step in plan.steps:
        if step.kind == "Input":
            continue
        l1, l2 = float(step.options.get("l1", 0.0)), float(step.options.get("l2", 0.0))
        if l1 or l2:
            for key in layer_class(step.kind).regularized_params:
                if key in step.params:
                    out[f"{step.name}/{key}"] = (l1, l2)
    return out


def clipping(plan: Plan) -> tuple[float, float]:
    return float(plan.training.clip_value or 0.0), float(plan.training.clip_norm or 0.0)


def blocks(plan: Plan) -> list[str]:
    """The training blocks the loop calls for these settings."""
    return ((["add_penalties"] if penalties(plan) else [])
            + (["clip_gradients"] if any(clipping(plan)) else []))


def constants(plan: Plan) -> str:
    """``PENALTIES = {...}`` for the script (empty text when nothing is penalised)."""
    found = penalties(plan)
    if not found:
        return ""
    rows = "".join(f"    {k!r}: ({l1!r}, {l2!r}),\n" for k, (l1, l2) in found.items())
    return ("# weight penalties from the canvas: layer/weight -> (l1, l2)\n"
            f"PENALTIES = {{\n{rows}}}")


def penalty_line(plan: Plan) -> str:
    return ("            value += add_penalties(P, G, PENALTIES)  # L1/L2 on the weights\n"
            if penalties(plan) else "")


def clip_line(plan: Plan) -> str:
    value, norm = clipping(plan)
    return (f"            G = clip_gradients(G, clip_value={value!r}, clip_norm={norm!r})\n"
            if value or norm else "")
