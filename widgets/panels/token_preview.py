"""A text preview of token datasets (copy, sort, dates, characters, sentiment...).

``token_lines(data)`` turns the first training samples back into text: the input tokens and
what the network must answer (a label per position, or one label), so a learner sees the task
before building the network for it. Pure numpy + the engine's token names; no Qt.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.sequence_probes import input_token_names

SAMPLES = 4
MAX_CHARS = 60  # per shown sequence


def _text(ids: np.ndarray, names: list[str]) -> str:
    tokens = [names[int(i)] if 0 <= int(i) < len(names) else "?" for i in ids]
    visible = [t for t in tokens if t not in ("<pad>", "")]
    if sum(len(t) == 1 for t in visible) >= len(visible) / 2:  # characters or symbols
        joined = "".join(t if len(t) == 1 else f" {t} " for t in visible).replace("\n", "⏎")
    else:  # words
        joined = " ".join(visible)
    return joined if len(joined) <= MAX_CHARS else joined[: MAX_CHARS - 1] + "…"


def token_lines(data: Any, n: int = SAMPLES) -> str | None:
    """Lines "input → answer" for the first ``n`` training samples, or None (not tokens)."""
    names = input_token_names(data)
    if names is None:
        return None
    x, y = np.asarray(data.x_train[:n]), np.asarray(data.y_train[:n])
    labels = [str(c) for c in (getattr(data, "class_names", []) or [])]
    lines = []
    for xi, yi in zip(x, y):
        if np.ndim(yi) == 1 and len(yi) == len(xi):  # a label per position
            answer = _text(yi, labels or names)
        else:
            k = int(np.ravel(yi)[0])
            answer = labels[k] if k < len(labels) else str(k)
        lines.append(f"{_text(xi, names)}  →  {answer}")
    return "\n".join(lines)
