"""The variational autoencoder recipe: the autoencoder's trainer in its ``"vae"`` mode (the
graph's Sampling layer adds β·KL; ``engine.generative.autoencoder``)."""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.generative.autoencoder import AutoencoderTrainer
from engine.model import Model
from engine.prepared import Prepared
from engine.project import Project
from engine.recipes.registry import register_recipe


@register_recipe("vae")
def prepare_vae(project: Project, data: Dataset) -> Prepared:
    """``Prepared(data, model, AutoencoderTrainer(..., "vae"))``."""
    model = Model(project.graph, seed=project.training.seed)
    return Prepared(data, model, AutoencoderTrainer(model, data, project.training, "vae"))
