"""NumPy export templates of Conv1D, Conv2DTranspose, Upsample2D, PReLU, OneHot,
SpatialDropout2D and Bidirectional — forward and backward — registered into
``numpy_template_base.NUMPY_TEMPLATES`` (``numpy_templates`` imports this module), with that
module's conventions. The blocks they call are in ``numpy_more_blocks``.
"""

from __future__ import annotations

from engine.export.geometry import pair
from engine.export.numpy_template_base import Lines, g, p, single, template
from engine.export.plan import Step
from engine.layers.conv_transpose import Conv2DTranspose
from engine.layers.conv_utils import pads
from engine.layers.recurrent import make_cell


def _conv1d_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, {g(step, "kernel")}, {g(step, "bias")} = conv1d_backward('
            f'd_{step.var}, cache["{step.name}"])']


@template("Conv1D", blocks=("conv1d_forward", "conv1d_backward"), backward=_conv1d_backward)
def _conv1d(step: Step) -> Lines:
    o = step.options
    k, s, d = int(o["kernel_size"]), int(o["strides"]), int(o.get("dilation_rate", 1))
    _, before, after = pads(str(o["padding"]), step.in_shapes[0][0], k, s, d)
    return [f'{step.var}, cache["{step.name}"] = conv1d_forward({single(step)}, '
            f'{p(step, "kernel")}, {p(step, "bias")}, stride={s}, pads=({before}, {after}), '
            f'dilation={d}, act="{step.activation}")']


def _upsample_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]} = upsample2d_backward(d_{step.var}, cache["{step.name}"])']


@template("Upsample2D", blocks=("upsample2d_forward", "upsample2d_backward"),
          backward=_upsample_backward)
def _upsample(step: Step) -> Lines:
    size = pair(step.options["size"])
    return [f'{step.var}, cache["{step.name}"] = upsample2d_forward({single(step)}, '
            f'size={size}, mode="{step.options.get("interpolation", "nearest")}")']


def _prelu_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, G["{step.name}/alpha"] = prelu_backward(d_{step.var}, '
            f'cache["{step.name}"], P["{step.name}/alpha"])']


@template("PReLU", blocks=("prelu_forward", "prelu_backward"), backward=_prelu_backward)
def _prelu(step: Step) -> Lines:
    return [f'{step.var}, cache["{step.name}"] = prelu_forward({single(step)}, '
            f'P["{step.name}/alpha"])']


def _one_hot_backward(step: Step, targets: list[str]) -> Lines:
    return []  # ids get no gradient


@template("OneHot", blocks=("one_hot",), backward=_one_hot_backward)
def _one_hot(step: Step) -> Lines:
    return [f'{step.var} = one_hot({single(step)}, {int(step.options["depth"])})']


def _conv_transpose_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]}, {g(step, "kernel")}, {g(step, "bias")} = conv2d_transpose_backward('
            f'd_{step.var}, cache["{step.name}"])']


@template("Conv2DTranspose", blocks=("conv2d_transpose_forward", "conv2d_transpose_backward"),
          backward=_conv_transpose_backward)
def _conv_transpose(step: Step) -> Lines:
    kh, kw, sh, sw, ph, pw, dh, dw, *_ = Conv2DTranspose(
        name=step.name, **step.options).geometry(step.in_shapes[0])  # the engine's own sizes
    return [f'{step.var}, cache["{step.name}"] = conv2d_transpose_forward({single(step)}, '
            f'{p(step, "kernel")}, {p(step, "bias")}, stride={(sh, sw)}, pads={(ph, pw)}, '
            f'dilation={(dh, dw)}, out_size={tuple(step.out_shape[1:])}, '
            f'act="{step.activation}")']


def _spatial_dropout_backward(step: Step, targets: list[str]) -> Lines:
    return [f'{targets[0]} = d_{step.var} * cache["{step.name}"]']


@template("SpatialDropout2D", backward=_spatial_dropout_backward)
def _spatial_dropout(step: Step) -> Lines:
    keep, x = 1.0 - float(step.options["rate"]), single(step)
    return [f"# keeps each whole channel with probability {keep:g} while training, scaled by "
            f"1/{keep:g}",
            f'cache["{step.name}"] = (rng.random((len({x}), {x}.shape[1], 1, 1)) < {keep!r}) '
            f"/ {keep!r} if training else 1.0",
            f'{step.var} = {x} * cache["{step.name}"]']


# -- Bidirectional: two recurrent layers, one reading the sequence backwards -----------------
CELL_BLOCKS = {"SimpleRNN": ("rnn_forward", "rnn_backward"),
               "LSTM": ("lstm_forward", "lstm_backward"), "GRU": ("gru_forward", "gru_backward")}


def _cell_keys(step: Step) -> list[str]:
    keys = ["kernel", "recurrent_kernel", "bias"]
    return keys + ["recurrent_bias"] if step.options["cell"] == "GRU" else keys


def _bidirectional_backward(step: Step, targets: list[str]) -> Lines:
    units, d = int(step.options["units"]), f"d_{step.var}"
    fn = CELL_BLOCKS[step.options["cell"]][1]
    states = "_, _" if step.options["cell"] == "LSTM" else "_"
    lines = ([f"d_forwards, d_backwards = {d}[..., :{units}], {d}[..., {units}:]"]
             if step.options["merge_mode"] == "concat" else
             [f"d_forwards = d_backwards = {d}  # a sum passes the gradient to both"])
    if step.options["return_sequences"]:
        lines.append("d_backwards = d_backwards[:, ::-1]  # back into the reversed order")
    data = targets[0] == "_"  # the network's input: no gradient wanted
    for way, into in (("forward", targets[0]), ("backward", "_" if data else "d_reversed")):
        grads = ", ".join(f'G["{step.name}/{way}_{k}"]' if f"{way}_{k}" in step.params else "_"
                          for k in _cell_keys(step))
        lines.append(f'{into}, {grads}, {states} = {fn}(d_{way}s, cache["{step.name}/{way}"])')
    return lines + ([] if data else [f"{targets[0]} = {targets[0]} + d_reversed[:, ::-1]"])


def _bidirectional_blocks(step: Step) -> tuple[str, ...]:
    return CELL_BLOCKS[step.options["cell"]]


@template("Bidirectional", blocks=_bidirectional_blocks, backward=_bidirectional_backward)
def _bidirectional(step: Step) -> Lines:
    o, x = step.options, single(step)
    cell = make_cell(o["cell"], step.name, {"units": o["units"]}).config  # the cell's defaults
    acts = f'"{cell["activation"]}"' + (f', "{cell["recurrent_activation"]}"'
                                        if o["cell"] != "SimpleRNN" else "")
    lines = []
    for way, seq in (("forward", x), ("backward", f"{x}[:, ::-1]")):
        weights = ", ".join(f'P["{step.name}/{way}_{k}"]' if f"{way}_{k}" in step.params
                            else "None" for k in _cell_keys(step))
        keep = f", keep=np.any({seq} != 0, axis=2)" if o.get("mask_padding") else ""
        lines.append(f'{way}s, cache["{step.name}/{way}"] = {CELL_BLOCKS[o["cell"]][0]}({seq}, '
                     f'{weights}, {acts}, return_sequences={bool(o["return_sequences"])}{keep})'
                     + ("  # reads right to left" if way == "backward" else ""))
    back = "backwards[:, ::-1]" if o["return_sequences"] else "backwards"
    merged = (f"np.concatenate([forwards, {back}], axis=-1)" if o["merge_mode"] == "concat"
              else f"forwards + {back}")
    return lines + [f"{step.var} = {merged}"]
