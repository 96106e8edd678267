"""The Coach: small rules that read a run's history and explain what is going wrong.

Each rule takes a ``History`` and returns ``None`` or an ``Advice`` whose message uses the
run's real numbers and layer names, plus ``evidence`` (arrays/numbers a view can plot).
``coach(history)`` runs every rule in ``RULES`` and returns the advice, most severe first.

``History`` and ``Advice`` live in ``engine.coach_history`` (re-exported here). A ``History``
holds the epoch rows of the snapshots (``{"epoch", "step", "train_loss",
"val_loss", "train_accuracy", ...}``), every batch loss in order, the learning rate, and the
``"dynamics"`` probe results (``engine.introspection.dynamics``) oldest first, and — for a
classifier — ``chance_accuracy``, the accuracy of always guessing the most common class (from
the ``"confusion"`` probe's row sums, ``chance_from_confusion``): a model that does not beat it
has learned nothing, so it cannot be overfitting.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.coach_history import Advice, History
from engine.coach_history import chance_from_confusion as chance_from_confusion  # re-exported
from engine.coach_history import history_from_columns as history_from_columns  # re-exported
from engine.coach_history import history_from_snapshots as history_from_snapshots  # re-export

SEVERITY = {"error": 0, "warning": 1, "info": 2}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


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


def has_learned(h: History, loss_fall: float = 0.2, margin: float = 0.2) -> bool:
    """The model does clearly better than at its start and than chance: its best training
    loss is at least ``loss_fall`` (20 %) below the first epoch's, and — when the chance level
    is known — its best accuracy (validation, else training) closes at least ``margin`` of the
    gap from chance to 100 % (0.6 for two balanced classes, 0.28 for ten)."""
    train = _column(h, "train_loss")
    train = train[np.isfinite(train)]
    if len(train) < 2 or not train.min() <= (1.0 - loss_fall) * train[0]:
        return False
    chance = h.chance_accuracy
    if chance is None:
        return True
    acc = _column(h, "val_accuracy")
    if not np.isfinite(acc).any():
        acc = _column(h, "train_accuracy")
    acc = acc[np.isfinite(acc)]
    return not acc.size or acc.max() >= chance + margin * (1.0 - chance)


def wiggle(values: np.ndarray) -> float:
    """The epoch-to-epoch noise of a curve, trend removed: the robust spread (MAD × 1.4826) of
    its successive differences around their median, / √2 (a difference holds two noises)."""
    d = np.diff(np.asarray(values, dtype=np.float64))
    if d.size < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2.0))


def overfitting(h: History, patience: int = 5, rise: float = 0.1,
                sigmas: float = 3.0) -> Advice | None:
    """The validation loss has risen for ``patience`` epochs since its best while the training
    loss fell, by more than ``rise`` (10 %) of the best value *and* more than ``sigmas`` times
    the curve's own epoch-to-epoch noise (``wiggle``); never for a model that has not learned
    (``has_learned``: at chance, a wobbling validation loss means nothing)."""
    train, val = _column(h, "train_loss"), _column(h, "val_loss")
    ok = np.isfinite(train) & np.isfinite(val)
    if ok.sum() < patience + 1 or not ok[-1] or not has_learned(h):
        return None
    epochs = _column(h, "epoch")[ok]
    train, val = train[ok], val[ok]
    best = int(np.argmin(val))
    rising = len(val) - 1 - best
    if rising < patience or not train[-1] < train[best]:
        return None
    increase = float(val[-min(3, rising):].mean() - val[best])  # the last few: less noise
    if increase <= rise * abs(val[best]) or increase <= sigmas * wiggle(val[best:]):
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


def _metric_rise(h: History, first_epoch: float) -> float | None:
    """How much the accuracy (validation, else training) rose over the epochs from
    ``first_epoch`` on: the rise of a line fitted to them (a fraction, 0.03 = 3 points); None
    without an accuracy column or with fewer than 4 such epochs."""
    epochs = _column(h, "epoch")
    for key in ("val_accuracy", "train_accuracy"):
        acc = _column(h, key)
        ok = np.isfinite(acc) & np.isfinite(epochs) & (epochs >= first_epoch)
        if ok.sum() >= 4:
            x, y = epochs[ok], acc[ok]
            slope = np.polyfit(x, y, 1)[0]
            return float(slope * (x[-1] - x[0]))
    return None


def flat_loss(h: History, window: int = 100, tol: float = 0.03, min_steps: int = 300,
              acc_rise: float = 0.02, reach: float = 1.0) -> Advice | None:
    """Learning too slowly — only when it is genuinely flat, after ``min_steps`` steps:

    - over the last half of the run (at least ``window`` steps) a line fitted to the batch
      losses falls by less than ``tol`` (3 %) of its level (a fitted line, not two noisy end
      points: mini-batch losses wobble by several per cent from step to step), and the loss is
      still above half its start;
    - the accuracy over the epochs of that half (validation, else training; a fitted line
      again) did not rise by ``acc_rise`` (2 points) or more;
    - the learning rate is small for the steps taken: learning rate × steps < ``reach`` (1.0).
      Adam moves each weight by at most about the learning rate a step (SGD by lr × gradient),
      so below that the weights cannot have travelled as far as their own size; above it a
      flat loss is a plateau the optimizer is crossing, not a rate that is too small.

    Measured on the spiral example (Adam 0.01, batches of 10): a plateau from epoch 8 to 34
    (loss ~0.93, accuracy ~60 %, lr × steps 3-14), then it learns; at epoch 80 the loss falls
    ~5 % over 1,600 steps while the accuracy climbs 5 points — no card anywhere. Plain SGD or
    Adam at lr 0.001 for 500 steps (lr × steps 0.5) at chance, or the learning-rate lesson's
    SGD 10⁻⁴: card."""
    losses = np.asarray(h.step_losses, dtype=np.float64)
    span = max(window, len(losses) // 2)
    if len(losses) < max(span, min_steps) or not np.all(np.isfinite(losses[-span:])):
        return None
    lr = h.learning_rate
    if lr is not None and lr * (h.first_step - 1 + len(losses)) >= reach:
        return None  # the rate had room to move the weights: a plateau, not a small rate
    recent, tenth = losses[-span:], max(window // 10, 1)
    initial = float(losses[:tenth].mean())
    slope, intercept = np.polyfit(np.arange(span, dtype=np.float64), recent, 1)
    end = float(intercept + slope * (span - 1))
    fall = float(-slope * (span - 1))
    if end < 1e-3 or end < 0.5 * initial or fall > tol * abs(end):
        return None  # it learned (or is still learning)
    steps = np.asarray([float(r.get("step", math.nan)) for r in h.epoch_rows])
    start_step = h.first_step + len(losses) - span
    since = np.nonzero(np.isfinite(steps) & (steps >= start_step))[0]
    if since.size:
        rise = _metric_rise(h, float(h.epoch_rows[int(since[0])].get("epoch", math.nan)))
        if rise is not None and rise >= acc_rise:
            return None  # the loss creeps, but the accuracy still climbs
    larger = f" (e.g. {10 * lr:.2g})" if lr is not None and lr > 0 else ""
    return Advice("flat_loss", "warning",
                  f"The loss is flat at {end:.3g} over the last {span} steps and has not "
                  f"fallen below half its start ({initial:.3g}): the learning rate{_lr(h)} is "
                  f"probably too small, or the network is stuck — try a 10× larger learning "
                  f"rate{larger}.",
                  {"losses": recent, "start": initial})


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


def _steps(h: History) -> int:
    """Optimizer steps so far (the last epoch row's ``step``, else the batch losses seen)."""
    step = float(h.epoch_rows[-1].get("step", math.nan)) if h.epoch_rows else math.nan
    return int(step) if math.isfinite(step) else len(h.step_losses)


def underfitting(h: History, min_epochs: int = 10, level: float = 0.6,
                 min_steps: int = 300) -> Advice | None:
    """Low training accuracy that no longer improves, after ``min_epochs`` *and* ``min_steps``
    optimizer steps (with a full batch an epoch is one step: the spiral sits at ~55 % for its
    first ~60 steps, then learns — no card for that)."""
    acc, val = _column(h, "train_accuracy"), _column(h, "val_accuracy")
    if len(acc) < min_epochs or not math.isfinite(acc[-1]) or acc[-1] >= level:
        return None
    if _steps(h) < min_steps:
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


def linear_model(h: History, min_steps: int = 100) -> Advice | None:
    """A network with no activation function (``History.linear_model``) after ``min_steps``
    steps: it cannot bend its boundary, so its plateau is not the learning rate's fault —
    ``coach`` then drops the cards that blame the rate (flat loss, underfitting)."""
    if not h.linear_model or _steps(h) < min_steps:
        return None
    acc = _column(h, "val_accuracy")
    if not (len(acc) and math.isfinite(acc[-1])):
        acc = _column(h, "train_accuracy")
    now = f" (accuracy now {acc[-1]:.0%})" if len(acc) and math.isfinite(acc[-1]) else ""
    return Advice("linear_model", "warning",
                  f"The network is linear: no layer has an activation function, so however "
                  f"long it trains it can only draw straight boundaries{now}. It is not the "
                  f"learning rate — set the hidden layers' activation to ReLU (the Problems "
                  f"panel's Fix does it) and press Play again.", {})


BLAMES_THE_RATE = ("flat_loss", "underfitting")
# rules that read the loss curve as "lower is better": a GAN's generator and discriminator
# losses pull against each other and hover around a balance while it learns (8 of 8 modes
# covered with a flat loss), so these rules say nothing about an adversarial run
ADVERSARIAL_SKIPS = ("flat_loss", "loss_rising", "underfitting", "overfitting")

HEADLINES = {
    "nan_loss": "the loss became NaN — exploding gradients",
    "exploding_gradients": "the gradients are exploding",
    "overfitting": "the network is overfitting",
    "loss_rising": "the loss is rising — the learning rate is probably too high",
    "dead_relu": "many ReLUs are dead",
    "saturation": "neurons sit in the flat ends of their activation",
    "vanishing_gradients": "the gradients vanish before the first layers",
    "flat_loss": "the loss is flat — the learning rate is probably too small",
    "underfitting": "the network is underfitting",
    "linear_model": "the network is linear — it needs an activation function",
}


def headline(advice: Advice) -> str:
    """One short line for a status bar: "Coach: the loss is flat — ... (Look inside → Coach)"."""
    what = HEADLINES.get(advice.kind, advice.kind.replace("_", " "))
    return f"Coach: {what}. Details under Look inside → Coach."


RULES: tuple[Callable[[History], Advice | None], ...] = (
    nan_loss, exploding_gradients, overfitting, loss_rising, dead_relu, saturation,
    vanishing_gradients, flat_loss, underfitting, linear_model)


def coach(history: History) -> list[Advice]:
    """Every rule's advice, most severe first."""
    found = [a for rule in RULES if (a := rule(history)) is not None]
    if history.adversarial:
        found = [a for a in found if a.kind not in ADVERSARIAL_SKIPS]
    if any(a.kind == "linear_model" for a in found):
        found = [a for a in found if a.kind not in BLAMES_THE_RATE]
    return sorted(found, key=lambda a: SEVERITY[a.severity])
