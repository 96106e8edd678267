"""``prepare_generative``: the generative half of ``engine.recipes.prepare``.

Autoencoder and VAE projects build one ``Model`` from the graph; a GAN project splits the
canvas into its generator and discriminator (``engine.generative.gan.split_gan``) and
``Prepared.model`` is a ``GANPair`` (weights and parameter count of both networks; the
generator's passes); the trainer holds both: ``trainer.generator``, ``trainer.discriminator``.
"""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.generative.autoencoder import AutoencoderTrainer
from engine.generative.gan import GANTrainer
from engine.model import Model
from engine.prepared import Prepared
from engine.project import Project

GENERATIVE_RECIPES = ("autoencoder", "vae", "gan")


def prepare_generative(project: Project, data: Dataset) -> Prepared:
    """``Prepared(data, model, trainer)`` for an autoencoder, VAE or GAN project."""
    seed = project.training.seed
    if project.recipe == "gan":
        trainer = GANTrainer(project.graph, data, project.training)
        return Prepared(data, trainer.model, trainer)  # type: ignore[arg-type]  # GANPair
    model = Model(project.graph, seed=seed)
    return Prepared(data, model, AutoencoderTrainer(model, data, project.training,
                                                    project.recipe))
