"""Undo/redo texts that name the change: "learning rate 0.001 → 0.01", "units of 'dense1' 8 → 16".

``describe_changes(old, new)`` compares two option dicts (nested dicts such as
``optimizer_options`` are walked, so their keys are named on their own) and lists what
differs as ``name old → new``; more than ``MAX_LISTED`` changes end in "and N more".
"""

from __future__ import annotations

from typing import Any

MAX_LISTED = 2
LABELS = {
    "learning_rate": "learning rate", "batch_size": "batch size", "batch_mode": "batch mode",
    "max_steps_per_second": "speed", "early_stopping": "early stopping",
    "restore_best_weights": "restore best weights", "clip_value": "clip value",
    "clip_norm": "clip norm", "n_samples": "samples", "val_split": "validation share",
    "recipe_options": "recipe option", "kernel_initializer": "kernel initializer",
    "bias_initializer": "bias initializer", "use_bias": "use bias", "name": "dataset",
}


def label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


def show(value: Any) -> str:
    """A short, readable value: 0.01, relu, [2, 8], on/off, none."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None or value == {} or value == []:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    text = str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(name, old, new)`` shown as text for every key whose value differs (nested dicts
    walked)."""
    out: list[tuple[str, str, str]] = []
    for key in list(new) + [k for k in old if k not in new]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += changes(a, b)
        elif isinstance(a, dict | None) and isinstance(b, dict | None):
            out += changes(a or {}, b or {})
        else:
            out.append((label(key), show(a), show(b)))
    return out


def describe_changes(old: dict[str, Any], new: dict[str, Any], where: str = "",
                     fallback: str = "settings") -> str:
    """One line naming the changes, e.g. ``units of 'dense1' 8 → 16`` (``where`` =
    ``"'dense1'"``); ``fallback`` when nothing differs."""
    where = f" of {where}" if where else ""
    found = [f"{name}{where} {a} → {b}" for name, a, b in changes(old, new)]
    if not found:
        return fallback
    listed = ", ".join(found[:MAX_LISTED])
    more = len(found) - MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")
