"""The supervised recipe: a ``Model`` from the graph, fitted to the labels by
``engine.training.Trainer``."""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.model import Model
from engine.prepared import Prepared
from engine.project import Project
from engine.recipes.registry import register_recipe
from engine.training import Trainer


@register_recipe("supervised")
def prepare_supervised(project: Project, data: Dataset) -> Prepared:
    """``Prepared(data, model, Trainer)``."""
    model = Model(project.graph, seed=project.training.seed)
    return Prepared(data, model, Trainer(model, data, project.training))
