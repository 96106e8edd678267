"""The plan of a GAN project: its generator and discriminator as two plans plus how they play.

``gan_plan(project, data)`` splits the canvas as the engine does (``GANTrainer`` ->
``engine.generative.gan.split_gan``) and plans each network on its own (``plan.Plan``): the
generator's plan is the returned one (its ``recipe`` is ``"gan"``) and ``plan.gan`` holds the
discriminator's plan (logits mode: its sigmoid is fused into the losses), the noise (size,
normal or uniform), ``d_steps`` and each network's optimizer (name and hyper-parameters, as
``GANTrainer`` builds them); a conditional GAN's class count (its one-hot label is appended to
the noise and to the discriminator's input).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine.datasets.base import Dataset
from engine.export.plan_steps import ExportError, Plan, layer_steps
from engine.project import Project
from engine.types import LayerLabError


@dataclass
class GanSpec:
    """What a GAN script needs beyond the generator's layers."""

    discriminator: Any  # plan.Plan of the discriminator (logits mode)
    noise_dim: int
    noise_distribution: str  # "normal" or "uniform"
    d_steps: int
    g_optimizer: tuple[str, dict[str, Any]]  # (engine optimizer name, hyper-parameters)
    d_optimizer: tuple[str, dict[str, Any]]
    n_classes: int = 0  # conditional: the one-hot class (this many values) joins both inputs


def gan_plan(project: Project, data: Dataset) -> Any:
    """The generator's ``Plan`` with ``gan`` set (see the module docstring)."""
    from engine.generative.gan import GANTrainer

    try:
        trainer = GANTrainer(project.graph, data, project.training)
    except LayerLabError as exc:
        raise ExportError(str(exc)) from exc

    def one(model: Any, logits: bool, title: str) -> Plan:
        names, steps = layer_steps(model, logits)
        shapes = model.report.shapes
        return Plan(title=title, steps=steps, input_var=names[model.input_name],
                    input_shape=tuple(shapes[model.input_name]),
                    output_var=names[model.output_name], logits_mode=logits,
                    final_activation="sigmoid" if logits else "linear",
                    loss="gan", encoding="raw", task=data.task, n_classes=0,
                    training=project.training, dataset=data.name, recipe="gan")

    def optimizer(opt: Any) -> tuple[str, dict[str, Any]]:
        return opt.name, dict(opt.hyper)

    d_plan = one(trainer.discriminator, True, f"{project.name} (discriminator)")
    g_plan = one(trainer.generator, False, project.name)
    return replace(g_plan, gan=GanSpec(
        discriminator=d_plan, noise_dim=trainer.noise_dim,
        noise_distribution=str(trainer.opts["noise_distribution"]),
        d_steps=int(trainer.opts["d_steps"]), g_optimizer=optimizer(trainer.g_optimizer),
        d_optimizer=optimizer(trainer.d_optimizer),
        n_classes=trainer.n_classes if trainer.conditional else 0))
