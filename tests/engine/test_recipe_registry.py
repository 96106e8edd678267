"""The recipe registry (engine/recipes/): every recipe a project file may name prepares itself
from its own module, loading a project imports only that recipe's code, and trainers tell what
they fit through ``RecipeTrainer.supervision`` instead of being probed with getattr."""

import os
import subprocess
import sys

import numpy as np
import pytest

from engine.project import RECIPES, load_project
from engine.recipes import prepare
from engine.recipes.registry import recipe_factory, recipe_names
from engine.types import ConfigError

EXAMPLES = {"supervised": "xor", "perceptron": "perceptron_and", "autoencoder": "ae_digits_2d",
            "vae": "vae_digits_2d", "gan": "gan_ring_of_gaussians"}


def test_every_recipe_a_project_file_may_name_has_its_module():
    assert recipe_names() == sorted(RECIPES)
    for name in RECIPES:
        assert callable(recipe_factory(name))


def test_an_unknown_recipe_is_refused_in_words():
    project = load_project("assets/examples/xor.layerlab.json")
    project.recipe = "reinforcement"
    with pytest.raises(ConfigError, match="no training recipe called 'reinforcement'.*gan"):
        prepare(project)


def test_a_supervised_project_loads_without_the_other_recipes_code():
    code = ("import sys; from engine.project import load_project; from engine.recipes import "
            "prepare; prepare(load_project('assets/examples/xor.layerlab.json')); "
            "print(sorted(m for m in sys.modules if m.startswith(('engine.recipes.', "
            "'engine.generative', 'engine.perceptron'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": "."}).stdout
    assert out.strip() == "['engine.recipes.registry', 'engine.recipes.supervised']"


@pytest.mark.parametrize("recipe", sorted(EXAMPLES))
def test_each_recipe_builds_its_own_trainer(recipe):
    project = load_project(f"assets/examples/{EXAMPLES[recipe]}.layerlab.json")
    assert project.recipe == recipe
    prepared = prepare(project)
    kind = {"supervised": "Trainer", "perceptron": "PerceptronTrainer",
            "autoencoder": "AutoencoderTrainer", "vae": "AutoencoderTrainer",
            "gan": "GANTrainer"}[recipe]
    assert type(prepared.trainer).__name__ == kind
    sup = prepared.trainer.supervision
    if recipe in ("perceptron", "gan"):
        assert sup is None
        return
    assert sup.y_train.shape[0] == len(prepared.data.x_train)
    assert sup.targets(True) is sup.y_val and sup.targets(False) is sup.y_train
    if recipe in ("autoencoder", "vae"):  # the targets are the inputs themselves
        flat = prepared.data.x_train.reshape(len(sup.y_train), -1)
        assert np.array_equal(sup.y_train.reshape(len(flat), -1), flat.astype(sup.y_train.dtype))
