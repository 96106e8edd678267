"""The pieces of an export plan that the plan makers share: ``ExportError``, ``Step`` (one
layer as code sees it), ``Plan`` (the network plus how it trains), ``python_name`` and
``layer_steps`` (one ``Step`` per layer in forward order). ``engine.export.plan`` builds a
supervised or reconstruction plan from them, ``engine.export.gan_plan`` a GAN's, and
``engine.export.recipe_plan`` raises ``ExportError``; all three import this module.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.model import Model
from engine.training import TrainConfig
from engine.types import LayerLabError, Shape

if TYPE_CHECKING:
    from engine.export.gan_plan import GanSpec
    from engine.export.recipe_plan import Reconstruction


class ExportError(LayerLabError):
    """A project that cannot be written as code (the message says what to change)."""


@dataclass
class Step:
    """One layer of the network as code sees it."""

    name: str  # the canvas name
    var: str  # a Python identifier made from it
    kind: str
    options: dict[str, Any]
    inputs: list[str]  # variables this layer reads, in port order
    in_shapes: list[Shape]
    out_shape: Shape
    params: dict[str, Shape]
    activation: str = "linear"  # effective final activation ("linear" in logits mode)
    trainable: bool = True  # False: frozen on the canvas (kept out of the optimizer)


@dataclass
class Plan:
    """The whole network plus how it trains."""

    title: str
    steps: list[Step]
    input_var: str
    input_shape: Shape
    output_var: str
    logits_mode: bool
    final_activation: str  # applied after the network in logits mode ("softmax", "sigmoid")
    loss: str  # engine loss name
    encoding: str  # how labels become targets (engine.targets.TargetCoder.encoding)
    task: str
    n_classes: int
    training: TrainConfig
    dataset: str
    notes: list[str] = field(default_factory=list)
    recipe: str = "supervised"
    reconstruction: Reconstruction | None = None  # autoencoder and VAE: how the loss is made
    gan: GanSpec | None = None  # GAN: this plan is the generator's; the rest is here
    # several Inputs: (Input var, start, size, shape) of each one's part of the packed sample
    input_layout: list[tuple[str, int, int, Shape]] | None = None
    # the loss's class weights fitted to the training labels (engine.class_weights), or None
    class_weights: list[float] | None = None

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    @property
    def frozen(self) -> list[Step]:
        """The layers with parameters that are frozen (``trainable: false``)."""
        return [s for s in self.steps if s.params and not s.trainable]


def python_name(name: str, taken: set[str]) -> str:
    """A readable identifier for a canvas name: ``"hidden 1"`` -> ``hidden_1``, unique in
    ``taken`` (which it extends)."""
    base = re.sub(r"\W+", "_", name.strip().lower(), flags=re.ASCII).strip("_") or "layer"
    if base[0].isdigit():
        base = f"layer_{base}"
    if keyword.iskeyword(base) or base in RESERVED:
        base = f"{base}_layer"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


# names the generated scripts use themselves
RESERVED = {"np", "x", "y", "P", "G", "cache", "params", "grads", "torch", "nn", "F", "self",
            "math", "logits", "loss", "main", "forward", "backward", "train", "predict", "data",
            "model", "json", "args", "d", "g", "forwards", "backwards", "d_reversed"}


def layer_steps(model: Model, logits: bool) -> tuple[dict[str, str], list[Step]]:
    """Each layer's Python variable name, and one ``Step`` per layer in forward order (the
    output layer's activation left to the loss when ``logits``)."""
    taken: set[str] = set()
    names = {n: python_name(n, taken) for n in model.order}
    shapes = model.report.shapes
    steps = []
    for name in model.order:
        layer = model.layers[name]
        sources = model.sources[name]
        act = str(layer.config.get("activation", "linear"))
        if logits and name == model.output_name:
            act = "linear"
        steps.append(Step(name=name, var=names[name], kind=layer.kind,
                          options=layer.get_config_options(), inputs=[names[s] for s in sources],
                          in_shapes=[tuple(shapes[s]) for s in sources],
                          out_shape=tuple(shapes[name]),
                          params=layer.param_shapes([tuple(shapes[s]) for s in sources]),
                          activation=act, trainable=bool(layer.trainable)))
    return names, steps
