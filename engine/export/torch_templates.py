"""Code templates of the PyTorch export, one per layer kind (a registry, like the layers').

A template returns ``TorchCode``: the lines of ``Network.__init__`` that create the layer's
modules (attribute ``self.<var>``), the expression of its forward pass over its input
variables, and two weight maps between LayerLab's arrays (``{"kernel": ...}``) and the
module's ``state_dict`` entries (``{"weight": ...}``, without the ``<var>.`` prefix):
``to_torch`` for export, ``from_torch`` for import back (and for comparing gradients).

Conventions bridged here: Dense kernels are (in, out), torch's Linear weights (out, in);
images are channels-first in both. Kinds torch has no module for (multi-head attention with
LayerLab's general key/value sizes, positional encodings, "same" padding with strides) are
written out as small composites. ``torch_attention`` adds both attention layers,
``torch_layers`` the convolutions beyond Conv2D,
upsampling, PReLU, OneHot and BatchNormalization, ``torch_recurrent`` the recurrent layers;
composites' source text is collected in ``COMPOSITE_SOURCES``. The registry and the shared
pieces live in ``torch_template_base`` (re-exported here); callers import this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.export.geometry import conv_geometry, pool_geometry
from engine.export.plan import ExportError, Step
from engine.export.torch_template_base import (
    ACTIVATIONS,
    COMPOSITE_SOURCES,
    TORCH_TEMPLATES,
    Arrays,
    TorchCode,
    act,
    same,
    template,
)

__all__ = ["ACTIVATIONS", "COMPOSITE_SOURCES", "TORCH_TEMPLATES", "Arrays", "TorchCode", "act",
           "code_for", "describe_options", "linear_maps", "same", "template"]


def linear_maps() -> tuple[Callable[[Arrays], Arrays], Callable[[Arrays], Arrays]]:
    def to(a: Arrays) -> Arrays:
        out = {"weight": a["kernel"].T}
        if "bias" in a:
            out["bias"] = a["bias"]
        return out

    def back(t: Arrays) -> Arrays:
        out = {"kernel": t["weight"].T}
        if "bias" in t:
            out["bias"] = t["bias"]
        return out
    return to, back


@template("Dense", "TimeDistributed")
def _dense(step: Step) -> TorchCode:
    fan_in, units = step.params["kernel"]
    to, back = linear_maps()
    bias = "bias" in step.params
    return TorchCode([f"self.{step.var} = nn.Linear({fan_in}, {units}, bias={bias})"],
                     act(step.activation, f"self.{step.var}({step.inputs[0]})", step.name),
                     to, back)


@template("Activation")
def _activation(step: Step) -> TorchCode:
    return TorchCode([], act(step.activation, step.inputs[0], step.name))


@template("LeakyReLU")
def _leaky(step: Step) -> TorchCode:
    slope = float(step.options["negative_slope"])
    return TorchCode([], f"F.leaky_relu({step.inputs[0]}, {slope!r})")


@template("ELU")
def _elu(step: Step) -> TorchCode:
    return TorchCode([], f"F.elu({step.inputs[0]}, alpha={float(step.options['alpha'])!r})")


@template("Dropout")
def _dropout(step: Step) -> TorchCode:
    return TorchCode([f"self.{step.var} = nn.Dropout({float(step.options['rate'])!r})"],
                     f"self.{step.var}({step.inputs[0]})")


@template("Flatten", "Reshape")
def _reshape(step: Step) -> TorchCode:
    shape = ", ".join(str(d) for d in step.out_shape)
    return TorchCode([], f"{step.inputs[0]}.reshape(-1, {shape})")


@template("Add")
def _add(step: Step) -> TorchCode:
    return TorchCode([], " + ".join(step.inputs))


@template("Concatenate")
def _concat(step: Step) -> TorchCode:
    axis = int(step.options["axis"])
    axis = (axis + len(step.out_shape) if axis < 0 else axis) + 1
    return TorchCode([], f"torch.cat([{', '.join(step.inputs)}], dim={axis})")


@template("Conv2D")
def _conv(step: Step) -> TorchCode:
    (top, bottom, left, right), strides, dilation = conv_geometry(step.options,
                                                                  step.in_shapes[0])
    filters, channels, kh, kw = step.params["kernel"]
    bias = "bias" in step.params
    x = step.inputs[0]
    if any((top, bottom, left, right)):
        x = f"F.pad({x}, ({left}, {right}, {top}, {bottom}))"
    return TorchCode([f"self.{step.var} = nn.Conv2d({channels}, {filters}, ({kh}, {kw}), "
                      f"stride={strides}, dilation={dilation}, bias={bias})"],
                     act(step.activation, f"self.{step.var}({x})", step.name),
                     lambda a: {"weight" if k == "kernel" else k: v for k, v in a.items()},
                     lambda t: {"kernel" if k == "weight" else k: v for k, v in t.items()})


@template("MaxPool2D", "AvgPool2D")
def _pool(step: Step) -> TorchCode:
    size, strides, (top, bottom, left, right) = pool_geometry(step.options, step.in_shapes[0])
    x = step.inputs[0]
    if step.kind == "MaxPool2D":
        if any((top, bottom, left, right)):
            x = f"F.pad({x}, ({left}, {right}, {top}, {bottom}), value=-math.inf)"
        return TorchCode([], f"F.max_pool2d({x}, {size}, stride={strides})")
    if any((top, bottom, left, right)):  # mean over the real pixels of each window only
        ones = f"torch.ones_like({x}[:1, :1])"
        pad = f"({left}, {right}, {top}, {bottom})"
        return TorchCode([], f"F.avg_pool2d(F.pad({x}, {pad}), {size}, stride={strides}) / "
                             f"F.avg_pool2d(F.pad({ones}, {pad}), {size}, stride={strides})")
    return TorchCode([], f"F.avg_pool2d({x}, {size}, stride={strides})")


@template("GlobalAveragePool2D")
def _gap(step: Step) -> TorchCode:
    return TorchCode([], f"{step.inputs[0]}.mean(dim=(2, 3))")


@template("GlobalMaxPool2D")
def _gmp(step: Step) -> TorchCode:
    return TorchCode([], f"{step.inputs[0]}.amax(dim=(2, 3))")


@template("Embedding")
def _embedding(step: Step) -> TorchCode:
    vocab, dim = step.params["embeddings"]
    ids = f"{step.inputs[0]}.round().long()"
    if step.options.get("mask_zero"):  # id 0 is padding: a zero vector, never trained
        return TorchCode([f"self.{step.var} = nn.Embedding({vocab}, {dim}, padding_idx=0)"],
                         f"self.{step.var}({ids}).masked_fill(({ids} == 0)[..., None], 0.0)",
                         lambda a: {"weight": a["embeddings"]},
                         lambda t: {"embeddings": t["weight"]})
    return TorchCode([f"self.{step.var} = nn.Embedding({vocab}, {dim})"],
                     f"self.{step.var}({ids})",
                     lambda a: {"weight": a["embeddings"]}, lambda t: {"embeddings": t["weight"]})


@template("LayerNormalization")
def _layer_norm(step: Step) -> TorchCode:
    dim = step.in_shapes[0][-1]
    affine = "gamma" in step.params and "beta" in step.params
    if ("gamma" in step.params) != ("beta" in step.params):
        raise ExportError(f"The LayerNormalization '{step.name}' uses only one of center/scale, "
                          "which the PyTorch export does not write; switch both on or off.")
    return TorchCode([f"self.{step.var} = nn.LayerNorm({dim}, "
                      f"eps={float(step.options['epsilon'])!r}, elementwise_affine={affine})"],
                     f"self.{step.var}({step.inputs[0]})",
                     lambda a: {"weight": a["gamma"], "bias": a["beta"]} if a else {},
                     lambda t: {"gamma": t["weight"], "beta": t["bias"]} if t else {})


@template("PositionalEncoding")
def _positions(step: Step) -> TorchCode:
    steps, dim = step.in_shapes[0]
    if "embeddings" in step.params:
        rows = step.params["embeddings"][0]
        return TorchCode([f"self.{step.var} = nn.Parameter(torch.zeros({rows}, {dim}))"],
                         f"{step.inputs[0]} + self.{step.var}[:{steps}]",
                         lambda a: {"": a["embeddings"]}, lambda t: {"embeddings": t[""]})
    return TorchCode([f"self.register_buffer('{step.var}', sinusoidal_positions({steps}, {dim}),"
                      " persistent=False)"], f"{step.inputs[0]} + self.{step.var}",
                     classes=("sinusoidal_positions",))


@template("SequencePooling")
def _sequence_pooling(step: Step) -> TorchCode:
    x = step.inputs[0]
    expr = {"mean": f"{x}.mean(dim=1)", "max": f"{x}.amax(dim=1)", "last": f"{x}[:, -1]"}
    return TorchCode([], expr[step.options["mode"]])


@template("Sampling")
def _sampling(step: Step) -> TorchCode:
    """The VAE's reparameterisation (the ``Sampling`` composite): μ, log σ² -> z."""
    return TorchCode([f"self.{step.var} = Sampling()"],
                     f"self.{step.var}({step.inputs[0]}, {step.inputs[1]})",
                     classes=("Sampling",))


# the other template modules register theirs on import
from engine.export import torch_attention, torch_layers, torch_recurrent  # noqa: E402, F401


def code_for(step: Step) -> TorchCode:
    from engine.export.plan import unsupported

    if step.kind not in TORCH_TEMPLATES:
        raise unsupported(step.kind, "PyTorch", list(TORCH_TEMPLATES), f"'{step.name}'")
    return TORCH_TEMPLATES[step.kind](step)


def describe_options(options: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in options.items())
