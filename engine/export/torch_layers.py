"""PyTorch templates of Conv1D, Conv2DTranspose, Upsample2D, PReLU, OneHot,
SpatialDropout2D and BatchNormalization (registered into ``torch_template_base``;
``torch_templates`` imports this module).

Layouts bridged: Conv1D reads sequences channels-last ``(B, T, C)`` (as Keras), torch's
``nn.Conv1d`` channels-first, so the script transposes around it; its kernel ``(F, C, k)`` is
torch's. Conv2DTranspose's kernel ``(C, F, kh, kw)`` is ``nn.ConvTranspose2d``'s; its sizes
(``engine.layers.conv_transpose``) are torch's ``padding``/``output_padding`` except "same" with
an odd overlap, where torch would give one row more: the script cuts it off. PReLU learns one
slope per value (``alpha`` has the sample's shape; ``nn.PReLU`` shares one per channel), so it
is ``torch.where(x >= 0, x, α·x)`` with α an ``nn.Parameter``. BatchNormalization is the
``BatchNorm`` composite (see its docstring: LayerLab keeps Keras' conventions).
"""

from __future__ import annotations

from engine.export.geometry import pair
from engine.export.plan_steps import Step
from engine.export.torch_template_base import COMPOSITE_SOURCES, Arrays, TorchCode, act, template
from engine.layers.conv_utils import pads


def _renamed(pairs: dict[str, str]) -> tuple:
    """(to torch, back) maps renaming LayerLab keys to torch keys (``pairs``: ours -> theirs)."""
    back = {v: k for k, v in pairs.items()}

    def to(a: Arrays) -> Arrays:
        return {pairs.get(k, k): v for k, v in a.items()}

    def frm(t: Arrays) -> Arrays:
        return {back.get(k, k): v for k, v in t.items()}
    return to, frm


@template("Conv1D")
def _conv1d(step: Step) -> TorchCode:
    """x (B, T, C) -> transpose -> pad -> nn.Conv1d -> (B, T', F)."""
    o = step.options
    steps = step.in_shapes[0][0]
    k, s, d = int(o["kernel_size"]), int(o["strides"]), int(o.get("dilation_rate", 1))
    _, before, after = pads(str(o["padding"]), steps, k, s, d)
    filters, channels, _ = step.params["kernel"]
    x = f"{step.inputs[0]}.transpose(1, 2)"
    if before or after:
        x = f"F.pad({x}, ({before}, {after}))"
    return TorchCode([f"self.{step.var} = nn.Conv1d({channels}, {filters}, {k}, stride={s}, "
                      f"dilation={d}, bias={'bias' in step.params})"],
                     act(step.activation, f"self.{step.var}({x}).transpose(1, 2)", step.name),
                     *_renamed({"kernel": "weight"}))


@template("Conv2DTranspose")
def _conv_transpose(step: Step) -> TorchCode:
    """x (B, C, H, W) -> nn.ConvTranspose2d -> (B, F, OH, OW)."""
    o = step.options
    (channels, filters, kh, kw), (_, h, w) = step.params["kernel"], step.in_shapes[0]
    k, s, d = pair(o["kernel_size"]), pair(o["strides"]), pair(o.get("dilation_rate", 1))
    out = step.out_shape[1:]
    pad, extra, cut = [], [], False
    for a, n in enumerate((h, w)):
        span = d[a] * (k[a] - 1) + 1
        p = max(span - s[a], 0) // 2 if o["padding"] == "same" else \
            0 if o["padding"] == "valid" else int(o["padding"])
        e = out[a] - ((n - 1) * s[a] - 2 * p + span)  # torch's output_padding
        cut = cut or e < 0  # "same" with an odd overlap: torch gives one row more
        pad.append(p)
        extra.append(max(e, 0))
    y = f"self.{step.var}({step.inputs[0]})"
    if cut:
        y += f"[:, :, :{out[0]}, :{out[1]}]"
    return TorchCode([f"self.{step.var} = nn.ConvTranspose2d({channels}, {filters}, ({kh}, {kw}), "
                      f"stride={s}, padding={tuple(pad)}, output_padding={tuple(extra)}, "
                      f"dilation={d}, bias={'bias' in step.params})"],
                     act(step.activation, y, step.name), *_renamed({"kernel": "weight"}))


@template("Upsample2D")
def _upsample(step: Step) -> TorchCode:
    sh, sw = pair(step.options["size"])
    if step.options["interpolation"] == "nearest":
        return TorchCode([f"self.{step.var} = nn.Upsample(scale_factor=({sh}, {sw}), "
                          "mode='nearest')"], f"self.{step.var}({step.inputs[0]})")
    # LayerLab blends with half-pixel centres, clamped at the border: align_corners=False
    return TorchCode([f"self.{step.var} = nn.Upsample(scale_factor=({sh}, {sw}), "
                      "mode='bilinear', align_corners=False)"],
                     f"self.{step.var}({step.inputs[0]})")


@template("PReLU")
def _prelu(step: Step) -> TorchCode:
    shape = ", ".join(str(n) for n in step.params["alpha"])
    x = step.inputs[0]
    return TorchCode([f"self.{step.var} = nn.Parameter(torch.full(({shape},), "
                      f"{float(step.options['initial_slope'])!r}))  # one slope per value"],
                     f"torch.where({x} >= 0, {x}, self.{step.var} * {x})",
                     lambda a: {"": a["alpha"]}, lambda t: {"alpha": t[""]})


@template("OneHot")
def _one_hot(step: Step) -> TorchCode:
    x = step.inputs[0]
    return TorchCode([], f"F.one_hot({x}.round().long(), {int(step.options['depth'])})"
                         f".to({x}.dtype)")


@template("SpatialDropout2D")
def _spatial_dropout(step: Step) -> TorchCode:
    return TorchCode([f"self.{step.var} = nn.Dropout2d({float(step.options['rate'])!r})"],
                     f"self.{step.var}({step.inputs[0]})")


COMPOSITE_SOURCES["BatchNorm"] = '''class BatchNorm(nn.Module):
    """LayerLab's batch normalization: one mean and variance per feature — the channels of
    images (B, C, H, W), the last axis of vectors (B, F) and sequences (B, T, F).
    Training: x̂ = (x − mean) / √(var + eps) with the batch's mean and (biased) variance,
    y = weight·x̂ + bias, and the running averages move as
    running = momentum·running + (1 − momentum)·batch (Keras' convention: nn.BatchNorm2d(C,
    eps=eps, momentum=1 − momentum) computes the same y, but averages the unbiased variance).
    Evaluation, or frozen on the canvas: the running averages instead of the batch's."""

    def __init__(self, features, momentum, eps, scale, center, image, frozen=False):
        super().__init__()
        self.momentum, self.eps, self.image, self.frozen = momentum, eps, image, frozen
        self.weight = nn.Parameter(torch.ones(features)) if scale else None
        self.bias = nn.Parameter(torch.zeros(features)) if center else None
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))

    def forward(self, x):
        shape = (1, -1, 1, 1) if self.image else (1,) * (x.dim() - 1) + (-1,)
        if self.training and not self.frozen:
            axes = (0, 2, 3) if self.image else tuple(range(x.dim() - 1))
            mean = x.mean(dim=axes, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
            with torch.no_grad():
                m = self.momentum
                self.running_mean.copy_(m * self.running_mean + (1 - m) * mean.reshape(-1))
                self.running_var.copy_(m * self.running_var + (1 - m) * var.reshape(-1))
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        y = (x - mean) * (1.0 / torch.sqrt(var + self.eps))
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        return y if self.bias is None else y + self.bias.reshape(shape)'''


@template("BatchNormalization")
def _batch_norm(step: Step) -> TorchCode:
    o, shape = step.options, step.in_shapes[0]
    image = len(shape) == 3
    features = shape[0] if image else shape[-1]
    frozen = ", frozen=True" if not step.trainable else ""
    to, back = _renamed({"gamma": "weight", "beta": "bias", "state:moving_mean": "running_mean",
                         "state:moving_variance": "running_var"})
    return TorchCode([f"self.{step.var} = BatchNorm({features}, momentum={float(o['momentum'])!r}, "
                      f"eps={float(o['epsilon'])!r}, scale={bool(o['scale'])}, "
                      f"center={bool(o['center'])}, image={image}{frozen})"],
                     f"self.{step.var}({step.inputs[0]})", to, back, classes=("BatchNorm",))
