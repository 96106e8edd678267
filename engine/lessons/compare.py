"""The ``compare`` check: the current run against a run kept by an earlier step.

A step with ``"record": NAME`` keeps its latest run's epoch rows under NAME (``RunRecord.
keep_run``: in the window while the learner is on that step, headless after its solution).
A later step's check ``{"type": "compare", "against": NAME, "metric": ..., "measure": ...}``
takes one number from each run and bounds the difference *this run minus the kept one*
with ``at_least`` or ``at_most``. Measures (``runs are lists of {"epoch": n, metric: v}``):

- ``last``: the latest value; ``best``: the highest (the lowest for a ``*_loss`` metric);
- ``at_epoch`` with ``epoch: N``: the value at epoch N (a run shorter than N has none);
- ``epochs_to`` with ``reach: X``: the first epoch whose value reaches X (≥ X, ≤ X for a
  loss); a run that never reaches it counts as infinitely many epochs, so "at least 2 epochs
  fewer" (``at_most: -2``) holds when only this run reaches X and fails when only the kept
  one does.

A missing kept run, or a number either run does not have, never holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from engine.lessons.fields import Fields
from engine.lessons.model import LessonFileError

MEASURES = ("last", "best", "at_epoch", "epochs_to")
Rows = Sequence[Mapping[str, float]]


def parse_compare(f: Fields) -> dict[str, Any]:
    args: dict[str, Any] = {"against": f.text("against"), "metric": f.text("metric"),
                            "measure": f.choice("measure", MEASURES, "last")}
    if args["measure"] == "at_epoch":
        args["epoch"] = f.whole("epoch", low=1)
    if args["measure"] == "epochs_to":
        args["reach"] = f.real("reach")
    if ("at_least" in f.raw) == ("at_most" in f.raw):
        raise LessonFileError(f"{f.where} needs exactly one of 'at_least' or 'at_most' (the "
                              "bound on this run's number minus the kept run's).")
    key = "at_least" if "at_least" in f.raw else "at_most"
    args[key] = f.real(key)
    return args


def measure(a: Mapping[str, Any], rows: Rows) -> float | None:
    """The number ``a["measure"]`` takes from one run (None when the run has none)."""
    key, lower = a["metric"], a["metric"].endswith("loss")
    values = [(int(r.get("epoch", 0)), float(r[key])) for r in rows
              if key in r and math.isfinite(float(r[key]))]
    if not values:
        return None
    if a["measure"] == "last":
        return values[-1][1]
    if a["measure"] == "best":
        return (min if lower else max)(v for _, v in values)
    if a["measure"] == "at_epoch":
        return next((v for e, v in values if e == a["epoch"]), None)
    reached = (e for e, v in values if (v <= a["reach"] if lower else v >= a["reach"]))
    return float(next(reached, math.inf))


def compare_holds(a: Mapping[str, Any], rows: Rows, kept: Mapping[str, Rows]) -> bool:
    """Whether this run's number minus the kept run's is within the bound."""
    other = kept.get(a["against"])
    if not other or not rows:
        return False
    mine, theirs = measure(a, rows), measure(a, other)
    if mine is None or theirs is None or math.isinf(mine):
        return False
    diff = mine - theirs  # -inf when only this run reached the goal
    return diff >= a["at_least"] if "at_least" in a else diff <= a["at_most"]


def describe_compare(a: Mapping[str, Any], words: str) -> str:
    """A label when the author wrote none, e.g. 'Validation accuracy: epochs to reach 0.7,
    this run minus run "scratch" ≤ -2'."""
    what = {"last": "latest", "best": "best", "at_epoch": f"at epoch {a.get('epoch')}",
            "epochs_to": f"epochs to reach {a.get('reach')}"}[a["measure"]]
    bound = f"≥ {a['at_least']:g}" if "at_least" in a else f"≤ {a['at_most']:g}"
    return f"{words} ({what}): this run minus the run kept as “{a['against']}” {bound}"
