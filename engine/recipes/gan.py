"""The GAN recipe: the canvas splits into its generator and discriminator
(``engine.generative.gan.split_gan``), trained in turn by ``GANTrainer``.

``Prepared.model`` is a ``GANPair`` (weights and parameter count of both networks; the
generator's passes); the trainer holds both: ``trainer.generator``, ``trainer.discriminator``.
"""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.generative.gan import GANTrainer
from engine.prepared import Prepared
from engine.project import Project
from engine.recipes.registry import register_recipe


@register_recipe("gan")
def prepare_gan(project: Project, data: Dataset) -> Prepared:
    """``Prepared(data, GANPair, GANTrainer)``."""
    trainer = GANTrainer(project.graph, data, project.training)
    return Prepared(data, trainer.model, trainer)  # type: ignore[arg-type]  # GANPair
