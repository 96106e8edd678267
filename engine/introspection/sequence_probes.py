"""Looking inside sequence models: attention maps, hidden states, gradients through time, text.

Runners for ``engine.introspection.compute_probes`` (register with
``RUNNERS.update(SEQUENCE_RUNNERS)``; results arrive as ``snapshot.probes["introspection:NAME"]``):

- ``"attention"``: options ``index`` [0] (sample of the probe batch), ``tokens`` [None] ->
  ``{"index", "layers": {layer: (heads, T_q, T_k) float32}, "tokens": (T,) int64 | None,
  "token_names": [str] | None, "axes": {layer: {"query": [str] | None, "key": [...]}}}`` for
  every MultiHeadAttention / ScaledDotProductAttention layer, in network order (each row of a
  map sums to 1: where that query position looks). ``axes`` names the positions each layer
  sees: with several Inputs, cross-attention's queries are the decoder's tokens and its keys
  the encoder's.
- ``"hidden_states"``: options ``index``, ``tokens`` -> ``{"index", "layers": {layer: (T,
  units)}, "gates": {layer: {gate: (T, units)}}, "tokens", "token_names"}`` for every recurrent
  layer (SimpleRNN/LSTM/GRU; a Bidirectional layer gives ``"name/forward"`` and
  ``"name/backward"``, both in input order). LSTM gates: input_gate, forget_gate,
  cell_candidate, output_gate, cell_state; GRU: update_gate, reset_gate, candidate. ``axes``:
  {layer: token names along its time axis (the part its Input receives)}.
- ``"translate"``: greedy translations of an encoder–decoder (``engine.introspection.
  translation``).
- ``"time_gradients"``: options ``limit`` [64] (probe samples used), ``source`` [loss] | last
  -> ``{"layers": {layer: (T,) float64}, "loss": float, "source": str}``: the mean over
  samples of ``‖dLoss/dh_t‖`` (the *total* gradient reaching the hidden state at step t,
  through the outputs and through all later steps) and the training loss on the probe batch.
  ``source="last"`` differentiates only the loss of the last time step (per-step outputs
  (T, K)): how far back one prediction's error reaches. It fades towards early steps when
  gradients vanish (SimpleRNN on a long copy task) and stays up in an LSTM.
- ``"generate"``: options ``prompt`` [the first tokens of probe sample 0], ``length`` [80],
  ``method`` [sample] | greedy | beam, ``temperature`` [1.0], ``top_k`` [0 = all],
  ``beam_width`` [3], ``seed`` [0: the same draws every frame], ``tokens`` (the vocabulary,
  id -> token; else ``batch.tokens``), ``level`` [guessed: char/word] -> ``{"text", "prompt",
  "generated", "method"}`` strings for a next-token model (token ids (T,) in, (T, V) out).

``tokens`` (the names of the input token ids) come from the request or from a ``tokens``
attribute of the ``ProbeBatch``; ``input_token_names(dataset)`` finds them for a dataset.
Nothing here changes ``model.grads_flat`` or the parameters: the gradient pass runs inside
``scratch`` (a forward pass overwrites the layers' work arrays, which the next training step
recomputes anyway).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.feature_maps import _one_thread
from engine.introspection.scratch import scratch
from engine.introspection.translation import run_translate
from engine.model import Model
from engine.types import ConfigError

ATTENTION_KINDS = ("MultiHeadAttention", "ScaledDotProductAttention")
CELL_KINDS = ("SimpleRNN", "LSTM", "GRU")
RECURRENT_KINDS = (*CELL_KINDS, "Bidirectional")
GATES = {"LSTM": ("input_gate", "forget_gate", "cell_candidate", "output_gate", "cell_state"),
         "GRU": ("update_gate", "reset_gate", "candidate")}
TIME_GRAD_SAMPLES = 64
SOURCES = ("loss", "last")  # the whole loss, or only the loss of the last time step
GEN_LENGTH = 80
PROMPT_TOKENS = 10


# -- tokens ------------------------------------------------------------------------------------
def input_token_names(data: Any) -> list[str] | None:
    """Names of the input token ids of a dataset (``engine.datasets.base.Dataset``), or None
    when its inputs are not tokens. Per-position token tasks use ``class_names`` (inputs and
    targets share the vocabulary); sentiment and brackets have their own."""
    if data is None:
        return None
    name = str(getattr(data, "name", ""))
    shape = tuple(getattr(data, "input_shape", ()) or ())
    if len(shape) != 1:
        return None
    if name == "sentiment":
        from engine.datasets.text import sentiment_vocabulary

        return list(sentiment_vocabulary().tokens)
    if name == "brackets":
        from engine.datasets.sequences import BLANK

        return [BLANK, "(", ")"]
    y = getattr(data, "y_train", None)
    names = list(getattr(data, "class_names", []) or [])
    parts = list(getattr(data, "input_parts", []) or [])
    per_position = y is not None and np.ndim(y) == 2 and (
        np.shape(y)[1] == shape[0] or (parts and all(len(s) == 1 for _, s in parts)))
    if names and per_position:  # inputs and targets share the vocabulary
        return [str(n) for n in names]
    return None


def _token_names(batch: Any, opts: dict[str, Any]) -> list[str] | None:
    tokens = opts.get("tokens")
    if tokens is None:
        tokens = getattr(batch, "tokens", None)
    return None if tokens is None else [str(t) for t in tokens]


def _sample(model: Model, batch: Any, opts: dict[str, Any]) -> tuple[int, np.ndarray]:
    index = int(opts.get("index", 0))
    if not 0 <= index < len(batch.x):
        raise ConfigError(f"Sample {index} is not in the probe batch (0 to {len(batch.x) - 1}).")
    return index, np.asarray(batch.x[index], dtype=model.dtype)


def _tokens_of(model: Model, x: np.ndarray, names: list[str] | None) -> dict[str, Any]:
    """The sample's token ids (when the network reads ids) and their names."""
    if len(model.input_shape) != 1:
        return {"tokens": None, "token_names": None}
    ids = np.rint(x).astype(np.int64)
    if names is None:
        return {"tokens": ids, "token_names": None}
    words = [names[i] if 0 <= i < len(names) else "?" for i in ids]
    return {"tokens": ids, "token_names": words}


def _input_behind(model: Model, layer: str, port: int) -> str | None:
    """The Input layer that a port of ``layer`` reads, following first inputs back."""
    sources = model.sources[layer]
    node = sources[port] if port < len(sources) else sources[0]
    while node not in model.input_names:
        upstream = model.sources.get(node) or []
        if not upstream:
            return None
        node = upstream[0]
    return node


def _axis_names(model: Model, layer: str, port: int, words: list[str] | None
                ) -> list[str] | None:
    """Token names along the time axis that a port of ``layer`` sees: the part of the
    packed sample its Input receives (an encoder sees the source, a decoder its input)."""
    if words is None:
        return None
    node = _input_behind(model, layer, port)
    if model.layout is None or node is None:
        return words
    for name, start, size, shape in model.layout:
        if name == node and len(shape) == 1:
            return words[start : start + size]
    return None


def _attention_axes(model: Model, names: list[str], words: list[str] | None
                    ) -> dict[str, dict[str, list[str] | None]]:
    """{layer: {"query": names, "key": names}} (cross-attention: the key is port 1)."""
    return {n: {"query": _axis_names(model, n, 0, words), "key": _axis_names(model, n, 1, words)}
            for n in names}


def _forward_one(model: Model, x: np.ndarray) -> None:
    with _one_thread():
        model.forward(x[None], training=False)


def _layers_of(model: Model, kinds: tuple[str, ...]) -> list[str]:
    return [n for n in model.order if model.layers[n].kind in kinds]


# -- attention and hidden states ----------------------------------------------------------------
def run_attention(model: Model, batch: Any, opts: dict[str, Any], state: Any) -> dict[str, Any]:
    names = _layers_of(model, ATTENTION_KINDS)
    if not names:
        raise ConfigError("Add a MultiHeadAttention (or Scaled Dot-Product Attention) layer to "
                          "see where each position looks.")
    index, x = _sample(model, batch, opts)
    _forward_one(model, x)
    layers: dict[str, np.ndarray] = {}
    for name in names:
        weights = model.layers[name].inspect().get("attention_weights")
        if weights is not None:
            layers[name] = np.array(weights[0], dtype=np.float32)  # (heads, T_q, T_k)
    tokens = _tokens_of(model, x, _token_names(batch, opts))
    return {"index": index, "layers": layers, **tokens,
            "axes": _attention_axes(model, list(layers), tokens["token_names"])}


def _cell_states(cell: Any, kind: str, reverse: bool = False) -> tuple[np.ndarray, dict]:
    values = cell.inspect()
    flip = (lambda a: a[::-1]) if reverse else (lambda a: a)
    h = np.array(flip(values["hidden_states"][0]), dtype=np.float32)
    gates = {g: np.array(flip(values[g][0]), dtype=np.float32)
             for g in GATES.get(kind, ()) if g in values}
    return h, gates


def run_hidden_states(model: Model, batch: Any, opts: dict[str, Any], state: Any
                      ) -> dict[str, Any]:
    names = _layers_of(model, RECURRENT_KINDS)
    if not names:
        raise ConfigError("Add a recurrent layer (SimpleRNN, LSTM or GRU) to see its hidden "
                          "state step by step.")
    index, x = _sample(model, batch, opts)
    _forward_one(model, x)
    layers: dict[str, np.ndarray] = {}
    gates: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        layer: Any = model.layers[name]
        if layer.kind == "Bidirectional":
            kind = layer.config["cell"]
            for cell, part, rev in zip(layer._cells(), ("forward", "backward"), (False, True)):
                layers[f"{name}/{part}"], g = _cell_states(cell, kind, rev)
                if g:
                    gates[f"{name}/{part}"] = g
        else:
            layers[name], g = _cell_states(layer, layer.kind)
            if g:
                gates[name] = g
    tokens = _tokens_of(model, x, _token_names(batch, opts))
    axes = {key: _axis_names(model, key.split("/")[0], 0, tokens["token_names"])
            for key in layers}
    return {"index": index, "layers": layers, "gates": gates, **tokens, "axes": axes}


# -- gradients through time ---------------------------------------------------------------------
def total_state_grads(cell: Any, direct: np.ndarray) -> np.ndarray:
    """dLoss/dh_t of a SimpleRNN/LSTM/GRU after its forward pass: ``direct: (B, T, units)`` is
    the gradient arriving at each output h_t from the layers above; returns ``(B, T, units)``
    float64, the total gradient at h_t (direct + through every later step), as the layer's
    own backward pass computes it (truncated BPTT cuts included). Overwrites the cell's
    backward work arrays, not its grads."""
    direct = np.ascontiguousarray(direct, dtype=cell.h_all.dtype)
    _, d_rec = cell._run_backward(direct)  # pre-activation grads (B, T, G·units)
    d_rec = np.array(d_rec, dtype=np.float64)
    ut = np.asarray(cell.params["recurrent_kernel"], dtype=np.float64).T  # (G·units, units)
    b, t, units = direct.shape
    k = int(cell.config.get("bptt_steps", 0))
    out = np.empty((b, t, units), dtype=np.float64)
    out[:, -1] = direct[:, -1]
    gru = cell.kind == "GRU"
    z_gate = cell._gates[..., :units] if gru else None
    # the classic GRU resets h before its candidate product: (r ⊙ h) U_n
    r_gate = cell._gates[..., units : 2 * units] if gru and not cell.config.get(
        "reset_after", True) else None
    keep = getattr(cell, "_keep", None)  # (B, T) False at skipped padding steps, or None
    for s in range(t - 2, -1, -1):
        if k > 0 and (s + 1) % k == 0:  # a chunk boundary: no gradient flows back across it
            out[:, s] = direct[:, s]
            continue
        if r_gate is None:
            back = d_rec[:, s + 1] @ ut
        else:
            back = d_rec[:, s + 1, : 2 * units] @ ut[: 2 * units] + \
                (d_rec[:, s + 1, 2 * units :] @ ut[2 * units :]) * r_gate[:, s + 1]
        out[:, s] = direct[:, s] + back * cell._rmask
        if z_gate is not None:  # h_{t+1} = z ⊙ h_t + (1 - z) ⊙ n: the direct path
            out[:, s] += out[:, s + 1] * z_gate[:, s + 1]
        if keep is not None:  # a skipped step copies h_t to h_{t+1}: the gradient too
            skipped = ~keep[:, s + 1]
            out[skipped, s] = direct[skipped, s] + out[skipped, s + 1]
    return out


def _direct_grads(layer: Any, grad_y: np.ndarray) -> list[tuple[str, Any, np.ndarray]]:
    """(suffix, cell, direct grad (B, T, units) in the cell's own time order) per cell."""
    cell0 = layer._cells()[0] if layer.kind == "Bidirectional" else layer
    t = int(cell0.h_all.shape[1])

    def per_step(g: np.ndarray, seq: bool) -> np.ndarray:
        if seq:
            return g
        full = np.zeros((len(g), t, g.shape[-1]), dtype=g.dtype)
        full[:, -1] = g
        return full

    seq = bool(layer.config["return_sequences"])
    if layer.kind != "Bidirectional":
        return [("", layer, per_step(grad_y, seq))]
    units = layer.config["units"]
    concat = layer.config["merge_mode"] == "concat"
    gf, gb = (grad_y[..., :units], grad_y[..., units:]) if concat else (grad_y, grad_y)
    if seq:
        gb = gb[:, ::-1]
    fw, bw = layer._cells()
    return [("/forward", fw, per_step(gf, seq)), ("/backward", bw, per_step(gb, seq))]


def run_time_gradients(model: Model, batch: Any, opts: dict[str, Any], state: Any
                       ) -> dict[str, Any]:
    names = _layers_of(model, RECURRENT_KINDS)
    if not names:
        raise ConfigError("Add a recurrent layer (SimpleRNN, LSTM or GRU) to see how the "
                          "gradient flows back through time.")
    if batch.y_enc is None or batch.loss is None:
        raise ConfigError("Gradients through time need a training loss and targets.")
    n = max(1, int(opts.get("limit", TIME_GRAD_SAMPLES)))
    source = str(opts.get("source", "loss"))
    if source not in SOURCES:
        raise ConfigError(f"The gradient source is one of {', '.join(SOURCES)}, not "
                          f"'{source}'.")
    x, y = batch.x[:n], batch.y_enc[:n]
    layers: dict[str, np.ndarray] = {}
    with scratch(model, logits=False), _one_thread():
        pred = model.forward(x, training=False)
        loss, grad = batch.loss.value_and_grad(pred, y)
        if source == "last" and grad.ndim == 3:  # per-step outputs: keep the last step's
            grad = np.array(grad, copy=True)
            grad[:, :-1] = 0.0
        model.backward(grad, keep=tuple(names))
        kept = dict(model.kept_grads)
        for name in names:
            if name not in kept:  # the layer does not reach the output
                continue
            for suffix, cell, direct in _direct_grads(model.layers[name], kept[name]):
                total = total_state_grads(cell, direct)
                norms = np.linalg.norm(total, axis=2).mean(axis=0)  # (T,)
                layers[name + suffix] = norms[::-1].copy() if suffix == "/backward" else norms
    return {"layers": layers, "loss": float(loss), "source": source}


# -- text generation ------------------------------------------------------------------------------
def _vocabulary(tokens: list[str] | None, level: str | None) -> Any:
    from engine.text.tokenizer import PAD, UNK, Vocabulary

    if not tokens or tokens[:2] != [PAD, UNK]:
        raise ConfigError("Text generation needs a text dataset with a vocabulary (e.g. "
                          "'Fables, one character at a time').")
    plain = [t for t in tokens if not (t.startswith("<") and t.endswith(">"))]
    if level is None:
        level = "char" if all(len(t) == 1 for t in plain) else "word"
    lower = not any(t != t.lower() for t in plain)
    return Vocabulary(tokens, level, lowercase=lower)


def run_generate(model: Model, batch: Any, opts: dict[str, Any], state: Any) -> dict[str, Any]:
    if len(model.input_shape) != 1 or len(model.output_shape) != 2:
        raise ConfigError("Text generation needs a next-token model: token ids (T) in, one "
                          "score per token at every position (T, V) out — e.g. Embedding → "
                          "LSTM (return sequences) → Dense per step (softmax).")
    from engine.text.generate import generate_ids

    vocab = _vocabulary(_token_names(batch, opts), opts.get("level"))
    if model.output_shape[1] != len(vocab):
        raise ConfigError(f"The network scores {model.output_shape[1]} tokens but the "
                          f"vocabulary has {len(vocab)}: set the last layer's units to "
                          f"{len(vocab)}.")
    prompt = opts.get("prompt")
    if prompt:
        ids = vocab.encode(str(prompt))
    else:
        ids = np.rint(np.asarray(batch.x[0])[:PROMPT_TOKENS]).astype(np.int64)
        ids = ids[ids != 0]
    if len(ids) == 0:
        raise ConfigError("Type a prompt of at least one known token.")
    method = str(opts.get("method", "sample"))
    keys = ("temperature", "top_k", "beam_width", "seed")
    options = {k: opts[k] for k in keys if opts.get(k) is not None}
    options.setdefault("seed", 0)
    with _one_thread():
        out = generate_ids(model, ids, int(opts.get("length", GEN_LENGTH)), method=method,
                           **options)
    prompt_text = vocab.decode(out[: len(ids)])
    text = vocab.decode(out)
    return {"text": text, "prompt": prompt_text, "generated": vocab.decode(out[len(ids):]),
            "method": method}


SEQUENCE_RUNNERS = {"attention": run_attention, "hidden_states": run_hidden_states,
                    "time_gradients": run_time_gradients, "generate": run_generate,
                    "translate": run_translate}
PROBE_KEYS = tuple(SEQUENCE_RUNNERS)
