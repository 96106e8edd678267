"""The Coach: small rules that read a run's history and explain what is going wrong.

Each rule takes a ``History`` and returns ``None`` or an ``Advice`` whose message uses the
run's real numbers and layer names, plus ``evidence`` (arrays/numbers a view can plot).
``coach(history)`` runs every rule in ``RULES`` and returns the advice, most severe first.

A ``History`` holds the epoch rows of the snapshots (``{"epoch", "step", "train_loss",
"val_loss", "train_accuracy", ...}``), every batch loss in order, the learning rate, and the
``"dynamics"`` probe results (``engine.introspection.dynamics``) oldest first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEVERITY = {"error": 0, "warning": 1, "info": 2}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True)
class Advice:
    kind: str  # the rule: "overfitting", "dead_relu", ...
    severity: str  # "error" | "warning" | "info"
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class History:
    epoch_rows: Sequence[dict[str, float]] = ()
    step_losses: Sequence[float] = ()
    dynamics: Sequence[dict[str, Any]] = ()
    learning_rate: float | None = None
    first_step: int = 1  # step number of step_losses[0]


def history_from_snapshots(snapshots: Sequence[Any],
                           dynamics: Sequence[dict[str, Any]] = ()) -> History:
    """Build a History from ``engine.snapshots.Snapshot``s (in order) and dynamics frames."""
    rows = [row for snap in snapshots for row in snap.epoch_rows]
    losses = [v for snap in snapshots for v in snap.batch_losses]
    first = snapshots[0].step - len(snapshots[0].batch_losses) + 1 if snapshots else 1
    lr = snapshots[-1].learning_rate if snapshots else None
    return History(rows, losses, list(dynamics), lr, first)


def history_from_columns(epochs: Sequence[int], metrics: dict[str, Sequence[float]],
                         step_losses: Sequence[float], dynamics: Sequence[dict[str, Any]] = (),
                         learning_rate: float | None = None) -> History:
    """Build a History from column form (the app's ``TrainingHistory``: one value per entry of
    ``epochs`` in each metric list, and the loss of step i+1 at index i)."""
    rows = [{"epoch": float(e), **{k: float(v[i]) for k, v in metrics.items() if i < len(v)}}
            for i, e in enumerate(epochs)]
    return History(rows, list(step_losses), list(dynamics), learning_rate, 1)


def power_of_ten(x: float) -> str:
    """1.3e-6 -> "10⁻⁶" (the nearest power of ten, in superscript)."""
    return "10" + str(round(math.log10(x))).translate(SUPERSCRIPT)


def _column(h: History, key: str) -> np.ndarray:
    return np.array([float(r.get(key, math.nan)) for r in h.epoch_rows])


def _lr(h: History) -> str:
    return f" (now {h.learning_rate:g})" if h.learning_rate is not None else ""


# -- rules ----------------------------------------------------------------------------------
def nan_loss(h: History) -> Advice | None:
    losses = np.asarray(h.step_losses, dtype=np.float64)
    bad = np.nonzero(~np.isfinite(losses))[0]
    if not bad.size:
        return None
    i = int(bad[0])
    step = h.first_step + i
    what = "NaN" if math.isnan(losses[i]) else "infinite"
    lo = max(0, i - 50)
    return Advice("nan_loss", "error",
                  f"The loss is {what} at step {step}: exploding gradients. Clip the gradients "
                  f"or lower the learning rate{_lr(h)}.",
                  {"step": step, "steps": np.arange(lo, i + 1) + h.first_step,
                   "losses": losses[lo : i + 1]})


def overfitting(h: History, patience: int = 5) -> Advice | None:
    train, val = _column(h, "train_loss"), _column(h, "val_loss")
    ok = np.isfinite(train) & np.isfinite(val)
    if ok.sum() < patience + 1 or not ok[-1]:
        return None
    epochs = _column(h, "epoch")[ok]
    train, val = train[ok], val[ok]
    best = int(np.argmin(val))
    rising = len(val) - 1 - best
    if rising < patience or not val[-1] > val[best] or not train[-1] < train[best]:
        return None
    return Advice("overfitting", "warning",
                  f"The validation loss has risen for {rising} epochs (from {val[best]:.3g} at "
                  f"epoch {int(epochs[best])} to {val[-1]:.3g}) while the training loss fell "
                  f"from {train[best]:.3g} to {train[-1]:.3g}: the network is overfitting — "
                  "try dropout, L2 or more data (or early stopping).",
                  {"epochs": epochs, "train_loss": train, "val_loss": val,
                   "best_epoch": int(epochs[best])})


def dead_relu(h: History, threshold: float = 0.4) -> Advice | None:
    if not h.dynamics or not h.dynamics[-1].get("dead_fraction"):
        return None
    dead = h.dynamics[-1]["dead_fraction"]
    layer = max(dead, key=dead.get)
    if dead[layer] < threshold:
        return None
    return Advice("dead_relu", "warning",
                  f"{100 * dead[layer]:.0f} % of the ReLUs in '{layer}' never activate on the "
                  "probe samples (they output 0 for every input and stop learning) — lower the "
                  f"learning rate{_lr(h)} or use LeakyReLU.",
                  {"dead_fraction": dict(dead), "layer": layer})


def saturation(h: History, threshold: float = 0.5) -> Advice | None:
    if not h.dynamics or not h.dynamics[-1].get("saturation"):
        return None
    sat = h.dynamics[-1]["saturation"]
    layer = max(sat, key=sat.get)
    if sat[layer] < threshold:
        return None
    return Advice("saturation", "warning",
                  f"{100 * sat[layer]:.0f} % of the outputs of '{layer}' sit in the flat ends of "
                  "its sigmoid/tanh, where the gradient is almost 0, so it learns slowly — "
                  "normalize the inputs, start from smaller weights (Glorot) or use ReLU.",
                  {"saturation": dict(sat), "layer": layer})


def _grad_ends(h: History) -> tuple[str, str, float, float] | None:
    if not h.dynamics:
        return None
    rms, layers = h.dynamics[-1].get("grad_rms", {}), h.dynamics[-1].get("layers", [])
    names = [n for n in layers if n in rms]
    if len(names) < 2 or not all(math.isfinite(rms[n]) for n in names):
        return None
    return names[0], names[-1], rms[names[0]], rms[names[-1]]


def vanishing_gradients(h: History, ratio: float = 1e-4) -> Advice | None:
    ends = _grad_ends(h)
    if ends is None or ends[3] <= 0:
        return None
    first, last, g_first, g_last = ends
    r = g_first / g_last
    if r >= ratio:
        return None
    size = power_of_ten(r) if r > 0 else "0"
    return Advice("vanishing_gradients", "warning",
                  f"The gradients in the first layer '{first}' are {size} of those in the last "
                  f"layer '{last}' — vanishing gradients: the early layers barely learn. Try "
                  "ReLU activations, batch normalization or a He initialization.",
                  {"grad_rms": dict(h.dynamics[-1]["grad_rms"]), "ratio": r})


def exploding_gradients(h: History, growth: float = 100.0, ratio: float = 1e4) -> Advice | None:
    norms = [math.sqrt(sum(v * v for v in d.get("grad_norm", {}).values())) for d in h.dynamics]
    norms = [n for n in norms if math.isfinite(n)]
    if len(norms) >= 2 and min(norms[:-1]) > 0 and norms[-1] / min(norms[:-1]) >= growth:
        fold = norms[-1] / min(norms[:-1])
        return Advice("exploding_gradients", "error",
                      f"The gradients grew {fold:.0f}-fold over the last {len(norms)} probes "
                      f"(norm {norms[-1]:.3g}) — exploding gradients. Lower the learning "
                      f"rate{_lr(h)} or turn on gradient clipping.",
                      {"grad_norm": np.array(norms)})
    ends = _grad_ends(h)
    if ends is not None and ends[3] > 0 and ends[2] / ends[3] >= ratio:
        first, last, g_first, g_last = ends
        return Advice("exploding_gradients", "error",
                      f"The gradients in the first layer '{first}' are "
                      f"{power_of_ten(g_first / g_last)} times those in the last layer '{last}' "
                      "— exploding gradients. Lower the learning rate, clip the gradients or "
                      "use batch normalization.",
                      {"grad_rms": dict(h.dynamics[-1]["grad_rms"]), "ratio": g_first / g_last})
    return None


def flat_loss(h: History, window: int = 100, tol: float = 0.01) -> Advice | None:
    losses = np.asarray(h.step_losses, dtype=np.float64)
    if len(losses) < window or not np.all(np.isfinite(losses[-window:])):
        return None
    recent, tenth = losses[-window:], max(window // 10, 1)
    start, end = recent[:tenth].mean(), recent[-tenth:].mean()
    initial = losses[:tenth].mean()
    if end < 1e-3 or end < 0.5 * initial or abs(start - end) > tol * abs(start):
        return None  # it learned (or is still learning)
    return Advice("flat_loss", "info",
                  f"The loss is flat at {end:.3g} over the last {window} steps and has not "
                  f"fallen below half its start ({initial:.3g}): the learning rate{_lr(h)} may be "
                  "too low, or the network is stuck — try a larger learning rate.",
                  {"losses": recent, "start": float(initial)})


def loss_rising(h: History, epochs: int = 3, factor: float = 1.5) -> Advice | None:
    train = _column(h, "train_loss")
    train = train[np.isfinite(train)]
    if len(train) < epochs + 1:
        return None
    tail = train[-(epochs + 1):]
    if not np.all(np.diff(tail) > 0) or train[-1] < factor * train.min():
        return None
    return Advice("loss_rising", "warning",
                  f"The training loss has grown for {epochs} epochs, from {tail[0]:.3g} to "
                  f"{tail[-1]:.3g} (best {train.min():.3g}): the learning rate{_lr(h)} is "
                  "probably too high — lower it.",
                  {"train_loss": train})


def underfitting(h: History, min_epochs: int = 10, level: float = 0.6) -> Advice | None:
    acc, val = _column(h, "train_accuracy"), _column(h, "val_accuracy")
    if len(acc) < min_epochs or not math.isfinite(acc[-1]) or acc[-1] >= level:
        return None
    recent = acc[-min_epochs // 2:]
    if recent.max() - recent.min() > 0.05:
        return None  # still improving
    both = f" and {val[-1]:.0%} on validation" if math.isfinite(val[-1]) else ""
    return Advice("underfitting", "info",
                  f"After {len(acc)} epochs the training accuracy is only {acc[-1]:.0%}{both} "
                  "and no longer improving: the network is underfitting — make it bigger, "
                  "train longer or raise the learning rate.",
                  {"train_accuracy": acc, "val_accuracy": val})


RULES: tuple[Callable[[History], Advice | None], ...] = (
    nan_loss, exploding_gradients, overfitting, loss_rising, dead_relu, saturation,
    vanishing_gradients, flat_loss, underfitting)


def coach(history: History) -> list[Advice]:
    """Every rule's advice, most severe first."""
    found = [a for rule in RULES if (a := rule(history)) is not None]
    return sorted(found, key=lambda a: SEVERITY[a.severity])
