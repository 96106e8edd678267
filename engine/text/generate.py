"""Generate token sequences from a trained next-token model: sampling, greedy, beam search.

The model is anything with ``predict(x) -> scores``: ``x: (B, T)`` token ids (float) and
``scores: (B, T, V)``, at position t the scores of the token that follows ``x[:, t]``
(probabilities, e.g. an ``engine.model.Model`` ending in a softmax, or raw logits: rows that
are not probability distributions are passed through a softmax). The model reads a fixed
window of T tokens (``window``; by default the model's ``input_shape[0]``): the context is the
last T tokens; a shorter context is padded with 0 *after* the tokens and the scores are read at
its last real position, which is exact for causal models (forward RNNs, causal attention).

Methods (deterministic for a given ``seed``):

- ``greedy``: always the most likely token;
- ``sample``: draw from ``softmax(log p / temperature)`` (temperature < 1 sharpens, > 1
  flattens; ``temperature <= 1e-6`` is greedy), optionally only among the ``top_k`` most
  likely tokens;
- ``beam``: keep the ``beam_width`` most likely continuations (sum of log-probabilities) and
  return the best complete one: it can find a more likely sequence than greedy, which commits
  to one token at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.text.tokenizer import Vocabulary
from engine.types import ConfigError

METHODS = ("greedy", "sample", "beam")
COLD = 1e-6  # temperatures at or below this are greedy


def _window(model: Any, window: int | None) -> int:
    if window is not None:
        return int(window)
    shape = getattr(model, "input_shape", None)
    if not shape or len(shape) != 1:
        raise ConfigError("Text generation needs a model that reads a sequence of token ids "
                          f"(input shape T); this one reads {shape}.")
    return int(shape[0])


def next_log_probs(model: Any, contexts: list[np.ndarray], window: int) -> np.ndarray:
    """``contexts``: B token-id arrays -> ``(B, V)`` log-probabilities of the next token."""
    x = np.zeros((len(contexts), window), dtype=np.float32)
    last = np.zeros(len(contexts), dtype=np.int64)
    for i, ctx in enumerate(contexts):
        ctx = np.asarray(ctx)[-window:]
        if len(ctx) == 0:
            raise ConfigError("Text generation needs a prompt of at least one token.")
        x[i, :len(ctx)] = ctx
        last[i] = len(ctx) - 1
    scores = np.asarray(model.predict(x), dtype=np.float64)
    if scores.ndim != 3:
        raise ConfigError(f"Text generation needs a model with one score per token at every "
                          f"position, (T, V), but it outputs {scores.shape[1:]}.")
    rows = scores[np.arange(len(contexts)), last]  # (B, V)
    return log_probs(rows)


def log_probs(rows: np.ndarray) -> np.ndarray:
    """``(B, V)`` probabilities (rows ≥ 0 summing to 1) or logits -> log-probabilities."""
    if np.all(rows >= 0) and np.allclose(rows.sum(axis=1), 1.0, atol=1e-3):
        with np.errstate(divide="ignore"):
            return np.log(rows)
    z = rows - rows.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def pick_token(logp: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
               top_k: int = 0) -> int:
    """One token from ``logp: (V,)``: greedy when ``temperature <= 1e-6``, else a draw from
    ``softmax(logp / temperature)`` limited to the ``top_k`` best tokens (0: all of them)."""
    if temperature <= COLD:
        return int(np.argmax(logp))
    z = logp / temperature
    if 0 < top_k < len(z):
        cut = np.partition(z, -top_k)[-top_k]
        z = np.where(z >= cut, z, -np.inf)
        if np.count_nonzero(np.isfinite(z)) > top_k:  # ties at the cut: keep exactly k
            keep = np.argsort(-z, kind="stable")[:top_k]
            z = np.where(np.isin(np.arange(len(z)), keep), z, -np.inf)
    z = z - z[np.isfinite(z)].max()
    p = np.exp(z)
    return int(rng.choice(len(p), p=p / p.sum()))


def generate_ids(model: Any, prompt: Any, length: int, method: str = "sample",
                 temperature: float = 1.0, top_k: int = 0, beam_width: int = 3,
                 seed: int = 0, window: int | None = None) -> np.ndarray:
    """``prompt`` (token ids) followed by ``length`` generated ids, as an int64 array."""
    if method not in METHODS:
        raise ConfigError(f"Generation method must be one of {', '.join(METHODS)}, not "
                          f"'{method}'.")
    if temperature < 0 or top_k < 0 or beam_width < 1 or length < 0:
        raise ConfigError("Temperature and top-k cannot be negative, the beam width and the "
                          "length must be at least 1 and 0.")
    t = _window(model, window)
    ids = np.asarray(prompt, dtype=np.int64).ravel()
    if method == "beam":
        return beam_search(model, ids, length, beam_width, t)
    rng = np.random.default_rng(seed)
    out = [int(i) for i in ids]
    for _ in range(length):
        logp = next_log_probs(model, [np.array(out)], t)[0]
        temp = 0.0 if method == "greedy" else temperature
        out.append(pick_token(logp, rng, temp, top_k))
    return np.array(out, dtype=np.int64)


def beam_search(model: Any, prompt: np.ndarray, length: int, beam_width: int, window: int
                ) -> np.ndarray:
    """The most likely of ``beam_width`` kept continuations of ``length`` tokens."""
    beams: list[tuple[float, list[int]]] = [(0.0, list(prompt))]
    for _ in range(length):
        logp = next_log_probs(model, [np.array(b[1]) for b in beams], window)  # (B, V)
        total = np.array([b[0] for b in beams])[:, None] + logp
        flat = np.argsort(-total, axis=None, kind="stable")[:beam_width]
        v = logp.shape[1]
        beams = [(float(total.flat[f]), beams[f // v][1] + [int(f % v)]) for f in flat
                 if np.isfinite(total.flat[f])] or beams[:1]
    return np.array(beams[0][1], dtype=np.int64)


def sequence_log_prob(model: Any, prompt: Any, continuation: Any,
                      window: int | None = None) -> float:
    """Σ log p(token | what came before) of ``continuation`` after ``prompt``."""
    t = _window(model, window)
    ctx, total = [int(i) for i in np.asarray(prompt, dtype=np.int64).ravel()], 0.0
    for tok in np.asarray(continuation, dtype=np.int64).ravel():
        total += float(next_log_probs(model, [np.array(ctx)], t)[0, tok])
        ctx.append(int(tok))
    return total


def generate_text(model: Any, vocab: Vocabulary, prompt: str, length: int, **options: Any
                  ) -> str:
    """``prompt`` + ``length`` generated tokens as text (options as ``generate_ids``)."""
    ids = generate_ids(model, vocab.encode(prompt), length, **options)
    return vocab.decode(ids)
