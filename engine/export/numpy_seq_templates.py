"""NumPy export templates of the sequence and normalization kinds: GRU, LayerNormalization,
BatchNormalization, PositionalEncoding, MultiHeadAttention, ScaledDotProductAttention and
SequencePooling — forward and backward.

Registered into ``numpy_template_base.NUMPY_TEMPLATES`` (``numpy_templates`` imports this
module); the conventions are that module's: forward lines assign ``step.var`` and keep what backward
needs in ``cache["<name>"]``, backward lines read ``d_<var>`` and assign the inputs'
gradients to ``targets`` and the parameters' to ``G["<name>/<param>"]``. The blocks they call
are in ``numpy_seq_blocks``.
"""

from __future__ import annotations

from engine.export.numpy_template_base import (
    Lines,
    bptt,
    dropout_lines,
    g,
    input_dropout_backward,
    p,
    recurrent_args,
    sequence_input,
    single,
    state_targets,
    template,
)
from engine.export.plan import Step


# -- GRU -----------------------------------------------------------------------------------
def _reset_after(step: Step) -> bool:
    """PyTorch's GRU (reset gate after the product, two biases) or the original one."""
    return bool(step.options.get("reset_after", True))


def _gru_blocks(step: Step) -> tuple[str, ...]:
    return (("gru_forward", "gru_backward") if _reset_after(step)
            else ("gru_classic_forward", "gru_classic_backward"))


def _gru_backward(step: Step, targets: list[str]) -> Lines:
    grads = [targets[0], g(step, "kernel"), g(step, "recurrent_kernel"), g(step, "bias")]
    if _reset_after(step):
        grads.append(g(step, "recurrent_bias"))
    grads.append(state_targets(step, targets))
    return [f'{", ".join(grads)} = {_gru_blocks(step)[1]}(d_{step.var}, '
            f'cache["{step.name}"]{bptt(step)})', *input_dropout_backward(step, targets[0])]


@template("GRU", blocks=_gru_blocks, backward=_gru_backward)
def _gru(step: Step) -> Lines:
    o = step.options
    biases = (f'{p(step, "bias")}, {p(step, "recurrent_bias")}' if _reset_after(step)
              else p(step, "bias"))
    return [*dropout_lines(step),
            f'{step.var}, cache["{step.name}"] = {_gru_blocks(step)[0]}({sequence_input(step)}, '
            f'{p(step, "kernel")}, {p(step, "recurrent_kernel")}, {biases}, '
            f'"{o["activation"]}", "{o["recurrent_activation"]}", '
            f'return_sequences={bool(o["return_sequences"])}{recurrent_args(step)})']


# -- normalization and positions -------------------------------------------------------------
def _layer_norm_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, {g(step, "gamma")}, {g(step, "beta")} = layer_norm_backward('
            f'd_{step.var}, cache["{step.name}"])']


@template("LayerNormalization", blocks=("layer_norm_forward", "layer_norm_backward"),
          backward=_layer_norm_backward)
def _layer_norm(step: Step) -> Lines:
    return [f'{step.var}, cache["{step.name}"] = layer_norm_forward({single(step)}, '
            f'{p(step, "gamma")}, {p(step, "beta")}, {float(step.options["epsilon"])!r})']


def _batch_norm_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, {g(step, "gamma")}, {g(step, "beta")} = batch_norm_backward('
            f'd_{step.var}, cache["{step.name}"])']


@template("BatchNormalization", blocks=("batch_norm_forward", "batch_norm_backward"),
          backward=_batch_norm_backward)
def _batch_norm(step: Step) -> Lines:
    o = step.options
    mode = "training" if step.trainable else "False"  # frozen: the running averages stay
    return [f'{step.var}, cache["{step.name}"] = batch_norm_forward({single(step)}, P, '
            f'"{step.name}", momentum={float(o["momentum"])!r}, '
            f'epsilon={float(o["epsilon"])!r}, training={mode})']


def _positions_backward(step: Step, targets: list[str]) -> Lines:
    lines = [f"{targets[0]} = d_{step.var}  # adding a table passes the gradient through"]
    if "embeddings" in step.params:
        steps = step.in_shapes[0][0]
        key = f'G["{step.name}/embeddings"]'
        lines += [f'{key} = np.zeros_like(P["{step.name}/embeddings"])',
                  f"{key}[:{steps}] = d_{step.var}.sum(axis=0)  # every sample adds its part"]
    return lines


@template("PositionalEncoding", blocks=("sinusoidal_positions",), backward=_positions_backward)
def _positions(step: Step) -> Lines:
    steps, dim = step.in_shapes[0]
    table = (f'P["{step.name}/embeddings"][:{steps}]' if "embeddings" in step.params
             else f"sinusoidal_positions({steps}, {dim})")
    return [f"{step.var} = {single(step)} + {table}"]


# -- attention ---------------------------------------------------------------------------------
def _keys_kept(step: Step, keys: str) -> str:
    """The call's padding-mask argument: the keys whose input vector is not all zeros."""
    return f", keep=np.any({keys} != 0, axis=-1)" if step.options.get("mask_padding") else ""


def _attention_backward(step: Step, targets: list[str]) -> Lines:
    outs = "d_query, d_context" if len(targets) == 1 else f"{targets[0]}, {targets[1]}"
    lines = [f'{outs}, grads = attention_backward(d_{step.var}, cache["{step.name}"])',
             f'G.update({{f"{step.name}/{{key}}": value for key, value in grads.items()}})']
    if len(targets) == 1:
        lines.append(f"{targets[0]} = d_query + d_context  # self-attention: one input, both "
                     "roles")
    return lines


@template("MultiHeadAttention", blocks=("attention_forward", "attention_backward"),
          backward=_attention_backward)
def _attention(step: Step) -> Lines:
    rate = float(step.options.get("dropout", 0.0))
    drop = f", drop_rate={rate!r}, rng=rng if training else None" if rate > 0 else ""
    return [f'{step.var}, cache["{step.name}"] = attention_forward({step.inputs[0]}, '
            f'{step.inputs[-1]}, P, "{step.name}", heads={int(step.options["num_heads"])}, '
            f'causal={bool(step.options["use_causal_mask"])}{drop}'
            f'{_keys_kept(step, step.inputs[-1])})']


def _dot_attention_backward(step: Step, targets: list[str]) -> Lines:
    call = f'd_q, d_k, d_v = dot_attention_backward(d_{step.var}, cache["{step.name}"])'
    if len(targets) == 1:
        return [call, f"{targets[0]} = d_q + d_k + d_v  # one wire: queries, keys and values"]
    if len(targets) == 2:
        return [call, f"{targets[0]}, {targets[1]} = d_q, d_k + d_v  # keys are the values"]
    return [call, f"{', '.join(targets)} = d_q, d_k, d_v"]


@template("ScaledDotProductAttention", blocks=("dot_attention_forward",
                                               "dot_attention_backward"),
          backward=_dot_attention_backward)
def _dot_attention(step: Step) -> Lines:
    ins = step.inputs
    q, k, v = ins[0], ins[min(1, len(ins) - 1)], ins[-1]
    return [f'{step.var}, cache["{step.name}"] = dot_attention_forward({q}, {k}, {v}, '
            f'causal={bool(step.options["use_causal_mask"])}{_keys_kept(step, k)})']


# -- pooling over time -------------------------------------------------------------------------
def _sequence_pooling_backward(step: Step, targets: list[str]) -> Lines:
    mode, (steps, features), t, d = (step.options["mode"], step.in_shapes[0], targets[0],
                                     f"d_{step.var}")
    if mode == "mean":
        return [f"{t} = np.repeat({d}[:, None, :] / {steps}, {steps}, axis=1)"]
    lines = [f"{t} = np.zeros((len({d}), {steps}, {features}))"]
    if mode == "last":
        return lines + [f"{t}[:, -1] = {d}"]
    return lines + [f'first = cache["{step.name}"].argmax(axis=1)  # the winning step',
                    f"np.put_along_axis({t}, first[:, None, :], {d}[:, None, :], axis=1)"]


@template("SequencePooling", backward=_sequence_pooling_backward)
def _sequence_pooling(step: Step) -> Lines:
    mode, x = step.options["mode"], single(step)
    expr = {"mean": f"{x}.mean(axis=1)", "max": f"{x}.max(axis=1)", "last": f"{x}[:, -1]"}
    keep = [f'cache["{step.name}"] = {x}'] if mode == "max" else []
    return keep + [f"{step.var} = {expr[mode]}"]
