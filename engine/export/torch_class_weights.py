"""The PyTorch script's class-weighted loss (``weighted_loss(plan, words, summed)``), written
as the engine weighs it (``engine.class_weights``): every item (row) r gets the weight of its
class, ``w_r = w[c_r]`` for labels and ``w_r = Σ_k y_rk·w_k`` for one-hot or soft rows (binary
cross-entropy on one output: ``w[1]·y + w[0]·(1 − y)`` per element); "mean" is
``Σ w·l / Σ w``, "sum" is ``Σ w·l``.

Under torchrun each process holds part of the global batch and DDP averages the processes'
gradients, so a per-process ``Σ w·l / Σ w`` would not be the global weighted mean (the shards'
weight totals differ). The script divides by ``global_weight(w)`` instead: the whole batch's
``Σ w`` (an ``all_reduce``) over the process count, which makes the averaged gradient the
one-process gradient (tests/engine/test_torch_export_losses.py runs two processes).
"""

from __future__ import annotations

from engine.export.plan_steps import ExportError, Plan

GLOBAL_WEIGHT = '''def global_weight(w):
    """Σ w of the global batch divided by the process count: on one process Σ w; under
    torchrun each process holds a share of the batch and DDP averages the gradients, so
    dividing every share's Σ w·loss by this gives the one-process weighted mean."""
    total = w.sum()
    if dist.is_available() and dist.is_initialized():
        total = total.detach().clone()
        dist.all_reduce(total)
        total = total / dist.get_world_size()
    return total'''


def weighted_loss(plan: Plan, words: str, summed: bool) -> str:
    """``CLASS_WEIGHTS`` (and ``global_weight`` for a mean) and ``loss_fn``."""
    weights = ", ".join(repr(w) for w in plan.class_weights or [])
    top = (f"# the loss's class weights, fitted by LayerLab to the training labels\n"
           f"CLASS_WEIGHTS = torch.tensor([{weights}], dtype=torch.float64)\n\n\n"
           + ("" if summed else GLOBAL_WEIGHT + "\n\n\n"))
    how = "summed" if summed else "a weighted mean: sum of w·loss over sum of w"
    doc = f'    """The loss LayerLab trains this project with: {words}, each item weighted ' \
          f'by its class ({how})."""'
    total = "(weight * per).sum()" + ("" if summed else " / global_weight(weight)")
    if plan.loss == "categorical_crossentropy" and plan.logits_mode:
        if plan.encoding == "labels":
            body = ["    rows, y = out.reshape(-1, out.shape[-1]), y.reshape(-1).long()"]
            if summed:
                return (f"{top}def loss_fn(out, y):\n{doc}\n" + body[0] + "\n    return "
                        "F.cross_entropy(rows, y, weight=CLASS_WEIGHTS.to(out), reduction='sum')")
            body += ["    weight = CLASS_WEIGHTS.to(out)[y]  # each row its class's weight",
                     "    per = F.cross_entropy(rows, y, weight=CLASS_WEIGHTS.to(out), "
                     "reduction='none')  # w·l"]
            total = "per.sum() / global_weight(weight)"
        else:  # one-hot or soft rows: the row's weight is Σ_k y_k·w_k
            body = ["    rows = out.reshape(-1, out.shape[-1])",
                    "    y = y.to(out.dtype).reshape(rows.shape)",
                    "    weight = y @ CLASS_WEIGHTS.to(out)  # each row: Σ_k y_k·w_k",
                    "    per = -(y * F.log_softmax(rows, dim=-1)).sum(dim=-1)"]
        return f"{top}def loss_fn(out, y):\n{doc}\n" + "\n".join(body) + f"\n    return {total}"
    if plan.loss == "binary_crossentropy" and plan.logits_mode:
        units = next(s for s in plan.steps if s.var == plan.output_var).out_shape[-1]
        weight = ("(y @ w)[..., None].expand_as(y)  # each row its class's weight"
                  if units == len(plan.class_weights or []) > 1 else
                  "w[1] * y + w[0] * (1 - y)  # yes: w[1], no: w[0]")
        return (f"{top}def loss_fn(out, y):\n{doc}\n"
                "    y, w = y.to(out.dtype).reshape(out.shape), CLASS_WEIGHTS.to(out)\n"
                f"    weight = {weight}\n"
                "    per = F.binary_cross_entropy_with_logits(out, y, reduction='none')\n"
                f"    return {total}")
    raise ExportError(f"This project weights its {plan.loss.replace('_', ' ')} loss by class "
                      "on outputs without a fused softmax or sigmoid, which the PyTorch export "
                      "does not write; set the loss option class_weight to none, or use "
                      "weighted sampling instead.")
