"""Live translations of an encoder–decoder: greedy decoding of a few probe samples.

Runner for ``engine.introspection.compute_probes`` (``"translate"``; result in
``snapshot.probes["introspection:translate"]``):

- options ``count`` [6] (probe samples shown), ``tokens`` (id -> token names; else
  ``batch.tokens``), ``decoder_start``/``decoder_length`` (where the answer lies in a
  one-sequence layout: the dates dataset without two inputs has it at 20..29) ->
  ``{"rows": [{"source", "target", "predicted", "correct"}], "exact": float,
  "char_accuracy": float, "teacher_accuracy": float}``.

Training uses *teacher forcing*: at step t the decoder reads the true answer up to t - 1.
Here the network translates on its own: the decoder input starts as ``<s>`` followed by
padding, and each predicted character is written into the decoder input before the next
step (greedy: the most likely character), so one early mistake is carried forward — the gap
between ``teacher_accuracy`` and ``char_accuracy`` shows it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.feature_maps import _one_thread
from engine.model import Model
from engine.types import ConfigError

DECODER_PART = "decoder input"
START = "<s>"
COUNT = 6


def span_options(data: Any) -> dict[str, int]:
    """The ``decoder_start``/``decoder_length`` options a dataset needs: where the answer lies
    in the dates dataset laid out as one sequence (source, then <s> + answer); {} when an
    Input receives the "decoder input" part (the model knows where it lies)."""
    parts = [name for name, _ in getattr(data, "input_parts", None) or []]
    if str(getattr(data, "name", "")) != "dates" or DECODER_PART in parts:
        return {}
    from engine.datasets.text import SOURCE_LEN, TARGET_LEN

    return {"decoder_start": SOURCE_LEN, "decoder_length": TARGET_LEN}


def decoder_span(model: Model, opts: dict[str, Any]) -> tuple[int, int, int]:
    """(start of the decoder ids in a packed sample, their count, first output position)."""
    if opts.get("decoder_start") is not None:
        start, length = int(opts["decoder_start"]), int(opts.get("decoder_length", 0))
        return start, length, start
    for node, start, size, _ in model.layout or []:
        if model.part_of(node) == DECODER_PART:
            return start, size, 0
    raise ConfigError("Translations need an encoder–decoder: an Input that receives the "
                      "'decoder input' part (choose the dates dataset with the "
                      "encoder-decoder layout).")


def greedy_decode(model: Model, x: np.ndarray, start_id: int, span: tuple[int, int, int]
                  ) -> np.ndarray:
    """x: (B, total) packed samples -> (B, length) ids predicted one step at a time."""
    start, length, out_at = span
    x = np.array(x, dtype=model.dtype, copy=True)
    x[:, start : start + length] = 0.0
    x[:, start] = start_id
    ids = np.zeros((len(x), length), dtype=np.int64)
    for t in range(length):
        scores = model.forward(x, training=False)  # (B, T_out, V); logits are fine for argmax
        ids[:, t] = np.argmax(scores[:, out_at + t], axis=-1)
        if t + 1 < length:
            x[:, start + t + 1] = ids[:, t]
    return ids


def _text(ids: np.ndarray, names: list[str]) -> str:
    return "".join(names[i] for i in ids if 0 < i < len(names) and not names[i].startswith("<"))


def run_translate(model: Model, batch: Any, opts: dict[str, Any], state: Any) -> dict[str, Any]:
    names = opts.get("tokens") or getattr(batch, "tokens", None)
    if not names or START not in names:
        raise ConfigError("Translations need a dataset whose vocabulary has a start mark "
                          "<s> (the dates dataset).")
    names = [str(n) for n in names]
    span = decoder_span(model, opts)
    start, length, out_at = span
    if len(model.output_shape) != 2 or model.output_shape[0] < out_at + length:
        raise ConfigError("Translations need one score per token at every decoder step: end "
                          "the decoder with a Dense per step (softmax).")
    if batch.labels is None:
        raise ConfigError("Translations need the true answers (targets) of the probe samples.")
    n = min(len(batch.x), int(opts.get("count", COUNT)))
    x = np.asarray(batch.x[:n])
    truth = np.asarray(batch.labels[:n]).reshape(n, -1)[:, out_at : out_at + length]
    with _one_thread():
        teacher = np.argmax(model.forward(x, training=False)[:, out_at : out_at + length], -1)
        predicted = greedy_decode(model, x, names.index(START), span)
    source_ids = np.rint(np.delete(x, np.s_[start : start + length], axis=1)).astype(np.int64)
    rows = [{"source": _text(source_ids[i], names), "target": _text(truth[i], names),
             "predicted": _text(predicted[i], names),
             "correct": bool(np.array_equal(predicted[i], truth[i]))} for i in range(n)]
    return {"rows": rows, "exact": float(np.mean([r["correct"] for r in rows])) if rows else 0.0,
            "char_accuracy": float(np.mean(predicted == truth)),
            "teacher_accuracy": float(np.mean(teacher == truth))}
