"""Weight penalties and gradient clipping in the PyTorch GAN script, as ``GANTrainer`` applies
them: each network's step adds the penalties of its own layers to its loss (the generator's
step the generator's, the discriminator's step the discriminator's), and after ``backward``
clips that network's gradients with the project's ``clip_value`` / ``clip_norm`` (both
networks share them), then its optimizer steps.

Under torchrun the data loss is multiplied by the process count before ``backward`` (DDP
averages the processes' gradients); the penalty, the same in every process, is added after that
multiplication so that its gradient is counted once, as on one process.
"""

from __future__ import annotations

from engine.export import numpy_regularize, torch_regularize
from engine.export.plan_steps import Plan


def _table(name: str, found: dict[str, tuple[float, float]]) -> str:
    rows = "".join(f"    {k!r}: ({l1!r}, {l2!r}),\n" for k, (l1, l2) in found.items())
    return f"{name} = {{\n{rows}}}"


def source(plan: Plan) -> str:
    """``G_PENALTIES`` / ``D_PENALTIES`` with ``penalty(net, table)``, and ``CLIP_VALUE`` /
    ``CLIP_NORM`` with ``clip_gradients(net)``: only what the project uses (else empty)."""
    assert plan.gan is not None
    g_found = torch_regularize.penalties(plan)
    d_found = torch_regularize.penalties(plan.gan.discriminator)
    value, norm = numpy_regularize.clipping(plan)
    parts = []
    if g_found or d_found:
        parts.append(
            "# weight penalties from the canvas: each network's parameter -> (l1, l2)\n"
            f"{_table('G_PENALTIES', g_found)}\n{_table('D_PENALTIES', d_found)}\n\n\n"
            "def penalty(net, table):\n"
            '    """l1·Σ|w| + l2·Σw² over the penalised weights of net (the generator or the\n'
            "    discriminator, DDP-wrapped or not); Keras' convention as LayerLab: no ½ on the "
            'L2 term."""\n'
            "    params = dict(getattr(net, 'module', net).named_parameters())\n"
            "    return sum((l1 * params[k].abs().sum() + l2 * (params[k] * params[k]).sum()\n"
            "                for k, (l1, l2) in table.items()), torch.zeros(()))")
    if value or norm:
        lines = [f"CLIP_VALUE, CLIP_NORM = {value!r}, {norm!r}  # gradient clipping (0: off)",
                 "", "", "def clip_gradients(net):",
                 '    """Clip net\'s gradients as LayerLab does: each element to CLIP_VALUE, '
                 'then all\n    of them together to the global norm CLIP_NORM."""',
                 "    trained = [p for p in net.parameters() if p.requires_grad]"]
        if value:
            lines.append("    torch.nn.utils.clip_grad_value_(trained, CLIP_VALUE)")
        if norm:
            lines.append("    torch.nn.utils.clip_grad_norm_(trained, CLIP_NORM)")
        parts.append("\n".join(lines))
    return "\n\n\n".join(parts)


def step_parts(plan: Plan, who: str) -> dict[str, str]:
    """The format fields of one step (``who``: "g" or "d") in the GAN script's TRAIN: the line
    computing the penalty (``{who}_pen``), the term adding it (``{who}_plus``) and the
    clipping line (``{who}_clip``); empty strings for what the project does not use."""
    assert plan.gan is not None
    net = "gan.generator" if who == "g" else "gan.discriminator"
    penalised = bool(numpy_regularize.penalties(plan) or
                     numpy_regularize.penalties(plan.gan.discriminator))
    table = "G_PENALTIES" if who == "g" else "D_PENALTIES"
    clip = any(numpy_regularize.clipping(plan))
    return {f"{who}_pen": (f"\n    extra = penalty({net}, {table})  # L1/L2 on its weights"
                           if penalised else ""),
            f"{who}_plus": " + extra" if penalised else "",
            f"{who}_clip": f"\n    clip_gradients({net})" if clip else ""}
