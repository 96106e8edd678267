"""What an exported script needs to know about a project, independent of the target language.

``make_plan(project, data)`` walks the validated graph in topological order and records, for
every layer, a Python-safe variable name (from its canvas name), its options, the variables
it reads, its input and output shapes (batch axis excluded) and its parameter shapes. It also
records how the project trains: the loss the engine picks for this network and dataset
(``engine.targets.choose_loss``), whether the output layer's activation is fused into the
loss (*logits mode*), the optimizer, schedule, batch size, epochs and seed.

Templates (``numpy_templates``, ``torch_templates``) turn each ``Step`` into code; a kind
without a template raises ``ExportError`` listing the kinds that are supported.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from engine.datasets.base import Dataset
from engine.export.gan_plan import GanSpec, gan_plan
from engine.export.recipe_plan import RECONSTRUCTION_RECIPES, Reconstruction, reconstruction_plan
from engine.model import Model
from engine.project import Project
from engine.targets import choose_loss, output_units
from engine.training import TrainConfig, check_data_fits
from engine.types import LayerLabError, Shape


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
            "model", "json", "args", "d", "g"}


def _steps(model: Model, logits: bool) -> tuple[dict[str, str], list[Step]]:
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


def _input_layout(model: Model, names: dict[str, str]
                  ) -> tuple[Shape, list[tuple[str, int, int, Shape]] | None]:
    """(the sample's shape, None) for one Input; with several, ((packed width,), each
    Input's (var, start, size, shape) in the packed sample, as the engine cuts it)."""
    if len(model.input_names) == 1:
        return tuple(model.report.shapes[model.input_name]), None
    if model.layout is None:
        model.bind_parts(None)
    assert model.layout is not None
    return (model.packed_width,), [(names[n], start, size, tuple(shape))
                                   for n, start, size, shape in model.layout]


def make_plan(project: Project, data: Dataset | None) -> Plan:
    """The plan of ``project`` trained on ``data`` (its dataset, loaded); ExportError when the
    project cannot be exported (another recipe, several inputs). Without data the layers
    alone are planned (loss fields: mse, raw targets), enough to map weights."""
    if project.recipe == "gan":
        if data is None:
            raise ExportError("A GAN's two networks are found from its dataset's sample shape; "
                              "load weights into a GAN project from LayerLab's own .npz files.")
        return gan_plan(project, data)  # type: ignore[no-any-return]
    if project.recipe not in ("supervised", *RECONSTRUCTION_RECIPES):
        raise ExportError(
            f"Code export writes supervised networks; this project uses the {project.recipe} "
            "recipe, which the exported scripts do not cover yet. Export its weights "
            "(File → Export weights) instead.")
    model = Model(project.graph, seed=project.training.seed)
    config = project.training
    recon = None
    if data is not None and project.recipe != "supervised":
        check_data_fits(model, data)
        loss_name, logits, recon = reconstruction_plan(project, model, data)
        encoding, task, classes = "raw", "regression", 0
    elif data is not None:
        check_data_fits(model, data)
        loss, coder, logits = choose_loss(config.loss, config.loss_options, data.task,
                                          data.n_classes, output_units(model.output_shape),
                                          model.output_activation())
        loss_name, encoding, task, classes = loss.name, coder.encoding, data.task, data.n_classes
    else:
        loss_name, encoding, task, classes, logits = "mse", "raw", "regression", 0, False
    names, steps = _steps(model, logits)
    in_shape, layout = _input_layout(model, names)
    return Plan(title=project.name, steps=steps, input_var=names[model.input_name],
                input_shape=in_shape, output_var=names[model.output_name],
                logits_mode=logits, final_activation=model.output_activation() if logits
                else "linear", loss=loss_name, encoding=encoding, task=task,
                n_classes=classes, training=config,
                dataset=data.name if data is not None else "", recipe=project.recipe,
                reconstruction=recon, input_layout=layout)


def unsupported(kind: str, target: str, supported: list[str], where: str) -> ExportError:
    """The message for a layer kind that a target has no template for."""
    return ExportError(
        f"The layer {where} is a {kind}, which the {target} export cannot write yet. "
        f"Supported layer types: {', '.join(sorted(supported))}. Replace or remove it, or "
        "export the weights (.npz) instead.")
