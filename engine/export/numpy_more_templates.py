"""NumPy export templates of Conv1D, Upsample2D, PReLU and OneHot — forward and backward —
registered into ``numpy_templates.NUMPY_TEMPLATES`` (imported at the end of that module), with
that module's conventions. The blocks they call are in ``numpy_more_blocks``.
"""

from __future__ import annotations

from engine.export.geometry import pair
from engine.export.numpy_templates import Lines, g, p, single, template
from engine.export.plan import Step
from engine.layers.conv_utils import pads


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
