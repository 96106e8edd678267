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

from engine import class_weights as cw
from engine.datasets.base import Dataset
from engine.export.gan_plan import gan_plan
from engine.export.plan_steps import ExportError, Plan, Step, layer_steps, python_name
from engine.export.recipe_plan import RECONSTRUCTION_RECIPES, Reconstruction, reconstruction_plan
from engine.model import Model
from engine.project import Project
from engine.targets import choose_loss, output_units
from engine.training import check_data_fits
from engine.types import Shape

__all__ = ["ExportError", "Plan", "Step", "make_plan", "python_name", "unsupported"]


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


def _loss_fields(project: Project, model: Model, data: Dataset | None
                 ) -> tuple[str, str, str, int, bool, Reconstruction | None]:
    """(engine loss name, target encoding, task, classes, logits mode, reconstruction) of
    ``project``'s network on ``data``; without data: mse on raw targets."""
    if data is None:
        return "mse", "raw", "regression", 0, False, None
    check_data_fits(model, data)
    if project.recipe != "supervised":
        loss_name, logits, recon = reconstruction_plan(project, model, data)
        return loss_name, "raw", "regression", 0, logits, recon
    config = project.training
    loss, coder, logits = choose_loss(config.loss, config.loss_options, data.task,
                                      data.n_classes, output_units(model.output_shape),
                                      model.output_activation())
    return loss.name, coder.encoding, data.task, data.n_classes, logits, None


def _class_weights(project: Project, model: Model, data: Dataset | None
                   ) -> list[float] | None:
    """The loss's class weights as the trainer fits them to the training labels (``balanced``
    resolved), or None for an unweighted loss."""
    config = project.training
    if data is None or project.recipe != "supervised" or data.task != "classification" or \
            cw.parse_class_weight((config.loss_options or {}).get("class_weight")) == cw.NONE:
        return None
    loss, _, _ = choose_loss(config.loss, config.loss_options, data.task, data.n_classes,
                             output_units(model.output_shape), model.output_activation())
    loss.fit_class_weights(data.y_train, data.n_classes)
    return None if loss.class_weights is None else [float(w) for w in loss.class_weights]


def make_plan(project: Project, data: Dataset | None) -> Plan:
    """The plan of ``project`` trained on ``data`` (its dataset, loaded); ExportError when the
    project cannot be exported (another recipe, several inputs). Without data the layers
    alone are planned (loss fields: mse, raw targets), enough to map weights."""
    if project.recipe == "gan":
        if data is None:
            raise ExportError("A GAN's two networks are found from its dataset's sample shape; "
                              "load the project's dataset first.")
        return gan_plan(project, data)  # type: ignore[no-any-return]
    if project.recipe not in ("supervised", *RECONSTRUCTION_RECIPES):
        raise ExportError(
            f"Code export writes supervised networks; this project uses the {project.recipe} "
            "recipe, which the exported scripts do not cover yet. Export its weights "
            "(File → Export weights) instead.")
    model = Model(project.graph, seed=project.training.seed)
    config = project.training
    loss_name, encoding, task, classes, logits, recon = _loss_fields(project, model, data)
    names, steps = layer_steps(model, logits)
    in_shape, layout = _input_layout(model, names)
    return Plan(title=project.name, steps=steps, input_var=names[model.input_name],
                input_shape=in_shape, output_var=names[model.output_name],
                logits_mode=logits, final_activation=model.output_activation() if logits
                else "linear", loss=loss_name, encoding=encoding, task=task,
                n_classes=classes, training=config,
                dataset=data.name if data is not None else "", recipe=project.recipe,
                reconstruction=recon, input_layout=layout,
                class_weights=_class_weights(project, model, data))


def unsupported(kind: str, target: str, supported: list[str], where: str) -> ExportError:
    """The message for a layer kind that a target has no template for."""
    return ExportError(
        f"The layer {where} is a {kind}, which the {target} export cannot write yet. "
        f"Supported layer types: {', '.join(sorted(supported))}. Replace or remove it, or "
        "export the weights (.npz) instead.")
