"""Code templates of the NumPy export, one per layer kind (registered like the layer registry).

A template turns a plan ``Step`` into the lines of the script's ``forward`` function and,
where the script can train that kind, of its ``backward`` function. ``forward`` lines assign
the layer's variable (``step.var``) and may keep what the backward pass needs in
``cache["<name>"]``; ``backward(step, targets)`` lines read ``d_<var>`` (dLoss/d output) and
assign each input's gradient to the matching name in ``targets`` ("_" for the data) and the
parameters' gradients to ``G["<name>/<param>"]``. ``blocks`` are the functions of
``numpy_blocks`` the lines call.

The registry and the shared helpers live in ``numpy_template_base`` (re-exported here); this
module is the one callers import: it registers the core kinds and then imports
``numpy_more_templates`` and ``numpy_seq_templates``, which register the rest.
"""

from __future__ import annotations

from engine.export.geometry import conv_geometry, pool_geometry
from engine.export.numpy_template_base import (
    NUMPY_TEMPLATES,
    Lines,
    NumpyTemplate,
    bptt,
    dropout_lines,
    g,
    input_dropout_backward,
    p,
    recurrent_args,
    sequence_input,
    single,
    state_names,
    state_targets,
    template,
)
from engine.export.plan import Step

__all__ = ["NUMPY_TEMPLATES", "Lines", "NumpyTemplate", "bptt", "g", "p", "recurrent_args",
           "single", "state_names", "state_targets", "template"]


# -- dense and activations ------------------------------------------------------------------
def _dense_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, {g(step, "kernel")}, {g(step, "bias")} = dense_backward('
            f'd_{step.var}, cache["{step.name}"])']


@template("Dense", "TimeDistributed", blocks=("dense_forward", "dense_backward"),
          backward=_dense_backward)
def _dense(step: Step) -> Lines:
    return [f'{step.var}, cache["{step.name}"] = dense_forward({single(step)}, '
            f'{p(step, "kernel")}, {p(step, "bias")}, "{step.activation}")']


def _activation_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]} = activate_backward(d_{step.var}, *cache["{step.name}"], '
            f'"{step.activation}")']


@template("Activation", blocks=("activate", "activate_backward"), backward=_activation_backward)
def _activation(step: Step) -> Lines:
    return [f'{step.var} = activate({single(step)}, "{step.activation}")',
            f'cache["{step.name}"] = ({single(step)}, {step.var})']


def _leaky_backward(step: Step, targets: list[str]) -> Lines:
    slope = float(step.options["negative_slope"])
    return [f'z, _ = cache["{step.name}"]',
            f"{targets[0]} = d_{step.var} * np.where(z > 0, 1.0, {slope!r})"]


@template("LeakyReLU", backward=_leaky_backward)
def _leaky(step: Step) -> Lines:
    slope = float(step.options["negative_slope"])
    x = single(step)
    return [f"{step.var} = np.where({x} > 0, {x}, {slope!r} * {x})",
            f'cache["{step.name}"] = ({x}, {step.var})']


def _elu_backward(step: Step, targets: list[str]) -> Lines:
    alpha = float(step.options["alpha"])
    return [f'z, y = cache["{step.name}"]',
            f"{targets[0]} = d_{step.var} * np.where(z > 0, 1.0, y + {alpha!r})"]


@template("ELU", backward=_elu_backward)
def _elu(step: Step) -> Lines:
    alpha, x = float(step.options["alpha"]), single(step)
    return [f"{step.var} = np.where({x} > 0, {x}, {alpha!r} * np.expm1(np.minimum({x}, 0.0)))",
            f'cache["{step.name}"] = ({x}, {step.var})']


def _dropout_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]} = d_{step.var} * cache["{step.name}"]']


@template("Dropout", backward=_dropout_backward)
def _dropout(step: Step) -> Lines:
    keep = 1.0 - float(step.options["rate"])
    x = single(step)
    return [f"# keeps each value with probability {keep:g} while training, scaled by 1/{keep:g}",
            f'cache["{step.name}"] = (rng.random({x}.shape) < {keep!r}) / {keep!r} '
            "if training else 1.0",
            f'{step.var} = {x} * cache["{step.name}"]']


# -- shapes ------------------------------------------------------------------------------------
def _reshape_backward(step: Step, targets: list[str]) -> Lines:
    shape = ", ".join(str(d) for d in step.in_shapes[0])
    return [f"{targets[0]} = d_{step.var}.reshape(-1, {shape})"]


@template("Flatten", "Reshape", backward=_reshape_backward)
def _reshape(step: Step) -> Lines:
    shape = ", ".join(str(d) for d in step.out_shape)
    return [f"{step.var} = {single(step)}.reshape(-1, {shape})"]


def _add_backward(step: Step, targets: list[str]) -> Lines:
    return [f"{t} = d_{step.var}" for t in targets]


@template("Add", backward=_add_backward)
def _add(step: Step) -> Lines:
    return [f"{step.var} = {' + '.join(step.inputs)}"]


def _concat_axis(step: Step) -> int:
    axis = int(step.options["axis"])
    return (axis + len(step.out_shape) if axis < 0 else axis) + 1


def _concat_backward(step: Step, targets: list[str]) -> Lines:
    axis = _concat_axis(step)
    cuts, total = [], 0
    for shape in step.in_shapes[:-1]:
        total += shape[axis - 1]
        cuts.append(str(total))
    return [f"{', '.join(targets)} = np.split(d_{step.var}, [{', '.join(cuts)}], "
            f"axis={axis})"]


@template("Concatenate", backward=_concat_backward)
def _concat(step: Step) -> Lines:
    return [f"{step.var} = np.concatenate([{', '.join(step.inputs)}], "
            f"axis={_concat_axis(step)})"]


# -- images ------------------------------------------------------------------------------------
def _conv_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, {g(step, "kernel")}, {g(step, "bias")} = conv2d_backward('
            f'd_{step.var}, cache["{step.name}"])']


@template("Conv2D", blocks=("conv2d_forward", "conv2d_backward"), backward=_conv_backward)
def _conv(step: Step) -> Lines:
    padding, strides, dilation = conv_geometry(step.options, step.in_shapes[0])
    return [f'{step.var}, cache["{step.name}"] = conv2d_forward({single(step)}, '
            f'{p(step, "kernel")}, {p(step, "bias")}, stride={strides}, pads={padding}, '
            f'dilation={dilation}, act="{step.activation}")']


def _pool_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]} = pool2d_backward(d_{step.var}, cache["{step.name}"])']


@template("MaxPool2D", "AvgPool2D", blocks=("pool2d_forward", "pool2d_backward"),
          backward=_pool_backward)
def _pool(step: Step) -> Lines:
    size, strides, padding = pool_geometry(step.options, step.in_shapes[0])
    mode = "max" if step.kind == "MaxPool2D" else "avg"
    return [f'{step.var}, cache["{step.name}"] = pool2d_forward({single(step)}, size={size}, '
            f'stride={strides}, pads={padding}, mode="{mode}")']


def _gap_backward(step: Step, targets: list[str]) -> Lines:
    c, h, w = step.in_shapes[0]
    return [f"{targets[0]} = np.broadcast_to(d_{step.var}[:, :, None, None] / {h * w}, "
            f"(len(d_{step.var}), {c}, {h}, {w}))"]


@template("GlobalAveragePool2D", backward=_gap_backward)
def _gap(step: Step) -> Lines:
    return [f"{step.var} = {single(step)}.mean(axis=(2, 3))"]


def _gmp_backward(step: Step, targets: list[str]) -> Lines:
    c, h, w = step.in_shapes[0]
    return [f'first = cache["{step.name}"].reshape(-1, {c}, {h * w}).argmax(axis=2)'
            "  # each channel's winner",
            f"{targets[0]} = np.zeros((len(d_{step.var}), {c}, {h * w}))",
            f"np.put_along_axis({targets[0]}, first[:, :, None], d_{step.var}[:, :, None], "
            "axis=2)",
            f"{targets[0]} = {targets[0]}.reshape(-1, {c}, {h}, {w})"]


@template("GlobalMaxPool2D", backward=_gmp_backward)
def _gmp(step: Step) -> Lines:
    return [f'cache["{step.name}"] = {single(step)}',
            f"{step.var} = {single(step)}.max(axis=(2, 3))"]


# -- sequences ---------------------------------------------------------------------------------
def _rnn_backward(step: Step, targets: list[str]) -> Lines:
    fn = "lstm_backward" if step.kind == "LSTM" else "rnn_backward"
    return [f'{targets[0]}, {g(step, "kernel")}, {g(step, "recurrent_kernel")}, '
            f'{g(step, "bias")}, {state_targets(step, targets)} = {fn}(d_{step.var}, '
            f'cache["{step.name}"]{bptt(step)})', *input_dropout_backward(step, targets[0])]


@template("SimpleRNN", blocks=("rnn_forward", "rnn_backward"), backward=_rnn_backward)
def _rnn(step: Step) -> Lines:
    return [*dropout_lines(step), f'{step.var}, cache["{step.name}"] = rnn_forward('
            f'{sequence_input(step)}, '
            f'{p(step, "kernel")}, {p(step, "recurrent_kernel")}, {p(step, "bias")}, '
            f'"{step.options["activation"]}", return_sequences='
            f'{bool(step.options["return_sequences"])}{recurrent_args(step)})']


@template("LSTM", blocks=("lstm_forward", "lstm_backward"), backward=_rnn_backward)
def _lstm(step: Step) -> Lines:
    o = step.options
    return [*dropout_lines(step), f'{step.var}, cache["{step.name}"] = lstm_forward('
            f'{sequence_input(step)}, '
            f'{p(step, "kernel")}, {p(step, "recurrent_kernel")}, {p(step, "bias")}, '
            f'"{o["activation"]}", "{o["recurrent_activation"]}", '
            f'return_sequences={bool(o["return_sequences"])}{recurrent_args(step)})']


def _embedding_backward(step: Step, targets: list[str]) -> Lines:
    return [f'G["{step.name}/embeddings"] = embedding_backward(d_{step.var}, '
            f'cache["{step.name}"])']


@template("Embedding", blocks=("embedding_forward", "embedding_backward"),
          backward=_embedding_backward)
def _embedding(step: Step) -> Lines:
    mask = ", mask_zero=True" if step.options.get("mask_zero") else ""
    return [f'{step.var}, cache["{step.name}"] = embedding_forward({single(step)}, '
            f'P["{step.name}/embeddings"]{mask})']


# the sequence kinds (GRU, attention, normalization, positions, pooling) register there
from engine.export import numpy_more_templates, numpy_recipe, numpy_seq_templates  # noqa: E402,F401
