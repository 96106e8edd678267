"""The autoencoder recipe (plain, denoising, sparse): one ``Model`` from the graph rebuilds
its input (``engine.generative.autoencoder.AutoencoderTrainer``)."""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.generative.autoencoder import AutoencoderTrainer
from engine.model import Model
from engine.prepared import Prepared
from engine.project import Project
from engine.recipes.registry import register_recipe


@register_recipe("autoencoder")
def prepare_autoencoder(project: Project, data: Dataset) -> Prepared:
    """``Prepared(data, model, AutoencoderTrainer(..., "autoencoder"))``."""
    model = Model(project.graph, seed=project.training.seed)
    return Prepared(data, model,
                    AutoencoderTrainer(model, data, project.training, "autoencoder"))
