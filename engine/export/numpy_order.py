"""How an exported NumPy script orders each epoch's samples, the way LayerLab's trainer does.

``epoch_order_parts(plan)`` is the script's ``def epoch_order(rng, ...)`` and, when the
project trains a classifier with weighted sampling (``engine.weighted_sampling``), that
module's functions pasted as they are (``inspect.getsource``): the same rule, drawn from a
generator seeded like the trainer's, gives the same indices epoch after epoch. Otherwise the
order is a permutation (shuffle on) or ``0 … N−1`` (off), as ``Trainer._order`` draws it.
"""

from __future__ import annotations

import inspect

from engine import weighted_sampling as ws
from engine.export.plan import Plan


def weighted_sampling(plan: Plan) -> bool:
    """Whether the trainer draws this project's epochs by weighted sampling."""
    return plan.training.weighted_sampling and (
        plan.task == "classification")


def epoch_order_parts(plan: Plan) -> list[str]:
    """Source texts for the script: the pasted sampling functions and ``epoch_order``."""
    if weighted_sampling(plan):
        pasted = [inspect.getsource(f) for f in (ws.sample_classes, ws.class_probabilities,
                                                  ws.weighted_order)]
        return pasted + [
            "def epoch_order(rng, labels):\n"
            '    """One epoch\'s sample indices: weighted sampling (rare classes drawn more '
            'often,\n'
            f'    with replacement); labels: the {plan.n_classes} classes of the samples."""\n'
            f"    return weighted_order(rng, labels, {plan.n_classes})"]
    if plan.training.shuffle:
        body, doc = "rng.permutation(n)", "a new random order every epoch"
    else:
        body, doc = "np.arange(n)", "the stored order (shuffle is off)"
    return ["def epoch_order(rng, n):\n"
            f'    """One epoch\'s sample indices: {doc}."""\n'
            f"    return {body}"]
