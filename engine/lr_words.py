"""The learning-rate finder's reading in plain words (the dialog's and ``main.py lrfind``'s
sentence): the suggestion and why it was chosen, or why there is none."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Reading(Protocol):
    """What the words need of an ``engine.lr_finder.LRFinderResult``."""

    lrs: np.ndarray  # (k,) the rates swept
    suggestion: float | None
    min_lr: float
    drop: float
    steepest: float | None
    rise_lr: float | None
    rule: str


def summary(r: Reading) -> str:
    """One paragraph: the suggested rate and the rule that chose it, or why none."""
    if r.suggestion is None:
        return _none(r)
    if r.rule == "onset":
        return (f"Suggested learning rate {r.suggestion:.3g}: where the loss starts to fall "
                f"clearly. The loss was still falling at the end of the sweep "
                f"({r.lrs[-1]:.3g}): the network learned this data during the sweep itself, "
                "so the sweep cannot show where a rate becomes too large; larger rates may "
                "train faster, or not at all.")
    steep = "" if r.steepest is None else f"where the loss falls fastest ({r.steepest:.3g}) and "
    return (f"Suggested learning rate {r.suggestion:.3g}: the more cautious of {steep}a tenth "
            f"of where it is lowest ({r.min_lr:.3g} / 10). Near {r.min_lr:.3g} the loss is "
            "about to turn up, so that rate is too large to train with.")


def _none(r: Reading) -> str:
    fell = (f"The loss hardly fell during the sweep (at best {100 * r.drop:.0f} % below where "
            "it started")
    if r.rise_lr is not None:
        return (f"{fell}), so there is no learning rate to suggest. From {r.rise_lr:.3g} on "
                "it rose above its start, so rates that large are too large; the sweep was "
                "too short for this network to show a good rate below that. Train with a few "
                f"rates below {r.rise_lr:.3g} and compare their loss curves, or check that "
                "the network can learn this data (Problems panel, a smaller network first).")
    return (f"{fell}, between {r.lrs[0]:.3g} and {r.lrs[-1]:.3g}), so there is no learning "
            "rate to suggest. Sweep again up to a larger rate, or check that the network can "
            "learn this data (Problems panel, a smaller network first).")
