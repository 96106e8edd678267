"""What the PyTorch script's training loop adds for the project's weight penalties and
gradient clipping, in the engine's order (``engine.stepper``): the penalties join the loss
before ``backward`` (so their gradients l1·sign(w) + 2·l2·w are in ``.grad`` with the loss's),
frozen layers have no gradient, then clipping (each element to ``clip_value``, then every
gradient scaled to the global norm ``clip_norm`` — ``torch.nn.utils``' rules are the engine's),
then the optimizer step.

``penalties(plan)`` names each penalised weight as the module names it: the LayerLab weight
(``numpy_regularize.penalties``) is found in the layer's ``to_torch`` mapping by probing it
with distinct values; Σ|w| and Σw² do not change when a kernel is transposed or its gate
blocks reordered, so only a weight that maps onto one whole torch parameter is written.
"""

from __future__ import annotations

import numpy as np

from engine.export import numpy_regularize
from engine.export.plan_steps import ExportError, Plan, Step
from engine.export.torch_templates import code_for


def _torch_name(step: Step, key: str) -> str:
    """The module's parameter that holds ``step``'s weight ``key`` (same values, any order)."""
    probe = {k: np.zeros(shape) for k, shape in step.params.items()}
    size = int(np.prod(step.params[key]))
    probe[key] = np.arange(1.0, size + 1.0).reshape(step.params[key])
    hits = {sub: v for sub, v in code_for(step).to_torch(probe).items() if np.any(v != 0)}
    if len(hits) == 1:
        sub, value = next(iter(hits.items()))
        if value.size == size and np.array_equal(np.sort(value.reshape(-1)), probe[key].ravel()):
            return step.var if sub == "" else f"{step.var}.{sub}"
    raise ExportError(f"The weight penalty on '{step.name}' ({key}) cannot be written into the "
                      "PyTorch script for this layer type; set its l1/l2 to 0 to export it.")


def penalties(plan: Plan) -> dict[str, tuple[float, float]]:
    """``{"<module parameter>": (l1, l2)}`` of every penalised weight."""
    out = {}
    for name, strengths in numpy_regularize.penalties(plan).items():
        layer, key = name.split("/", 1)
        out[_torch_name(plan.step(layer), key)] = strengths
    return out


def source(plan: Plan) -> str:
    """``PENALTIES``, ``CLIP_VALUE``/``CLIP_NORM`` and ``penalty(net)`` (empty when unused)."""
    found = penalties(plan)
    value, norm = numpy_regularize.clipping(plan)
    parts = []
    if found:
        rows = "".join(f"    {k!r}: ({l1!r}, {l2!r}),\n" for k, (l1, l2) in found.items())
        parts.append(
            "# weight penalties from the canvas: module parameter -> (l1, l2)\n"
            f"PENALTIES = {{\n{rows}}}\n\n\n"
            "def penalty(net):\n"
            '    """l1·Σ|w| + l2·Σw² over the penalised weights (Keras\' convention, as '
            "LayerLab:\n    no ½ on the L2 term, so its gradient is 2·l2·w; sign(0) = 0)."
            '"""\n'
            "    params = dict(net.named_parameters())\n"
            "    return sum(l1 * params[k].abs().sum() + l2 * (params[k] * params[k]).sum()\n"
            "               for k, (l1, l2) in PENALTIES.items())")
    if value or norm:
        parts.append(f"CLIP_VALUE, CLIP_NORM = {value!r}, {norm!r}  # gradient clipping "
                     "(0: off)")
    return "\n\n\n".join(parts)


def penalty_line(plan: Plan) -> str:
    return ("\n            loss = loss + penalty(net)  # L1/L2 on the weights"
            if numpy_regularize.penalties(plan) else "")


def clip_lines(plan: Plan) -> str:
    value, norm = numpy_regularize.clipping(plan)
    lines = ""
    if value or norm:
        lines += "\n            trained = [p for p in model.parameters() if p.requires_grad]"
    if value:
        lines += "\n            torch.nn.utils.clip_grad_value_(trained, CLIP_VALUE)"
    if norm:
        lines += "\n            torch.nn.utils.clip_grad_norm_(trained, CLIP_NORM)"
    return lines
