"""The recipe registry: recipe name -> factory ``(project, data) -> Prepared``.

A recipe module (``engine/recipes/<name>.py``) registers its factory with
``@register_recipe("<name>")`` when imported; ``recipe_factory(name)`` imports that one module
on first use (``importlib``), so nothing here names the recipes and loading a supervised
project never imports the GAN's code. The factory builds the model from
``project.training.seed`` and returns ``Prepared(data, model, trainer)`` whose trainer keeps
``engine.trainer_protocol.RecipeTrainer``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from engine.datasets.base import Dataset
from engine.prepared import Prepared
from engine.project import Project
from engine.types import ConfigError

RecipeFactory = Callable[[Project, Dataset], Prepared]

_FACTORIES: dict[str, RecipeFactory] = {}
_NOT_RECIPES = {"registry"}  # modules of this package that are not recipes


def register_recipe(name: str) -> Callable[[RecipeFactory], RecipeFactory]:
    """Decorator: make ``factory`` the one that prepares projects of recipe ``name``."""

    def add(factory: RecipeFactory) -> RecipeFactory:
        if _FACTORIES.get(name, factory) is not factory:
            raise ValueError(f"recipe {name!r} is registered twice")
        _FACTORIES[name] = factory
        return factory

    return add


def recipe_names() -> list[str]:
    """The recipes this package holds (module names, sorted), without importing them."""
    here = [str(Path(__file__).parent)]
    return sorted(m.name for m in pkgutil.iter_modules(here)
                  if not m.name.startswith("_") and m.name not in _NOT_RECIPES)


def recipe_factory(name: str) -> RecipeFactory:
    """The factory of recipe ``name``, importing its module once; ``ConfigError`` (plain
    message) for a recipe LayerLab does not have."""
    if name not in _FACTORIES and name in recipe_names():
        importlib.import_module(f"engine.recipes.{name}")
    if name not in _FACTORIES:
        raise ConfigError(f"LayerLab has no training recipe called {name!r}; choose one of "
                          f"{', '.join(recipe_names())}.")
    return _FACTORIES[name]
