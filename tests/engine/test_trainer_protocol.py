"""Every recipe's trainer keeps the RecipeTrainer contract (engine.trainer_protocol): the app
calls its members instead of probing with getattr."""

import dataclasses

import numpy as np
import pytest

from engine.evaluation import final_metrics
from engine.project import load_project
from engine.recipes import prepare
from engine.trainer_protocol import RecipeTrainer

EXAMPLES = ["perceptron_and", "xor", "vae_digits_2d", "gan_ring_of_gaussians"]


def _prepared(name: str):
    project = load_project(f"assets/examples/{name}.layerlab.json")
    project.training.epochs = 1
    return prepare(project)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_recipe_trainer_keeps_the_contract(name):
    prepared = _prepared(name)
    trainer = prepared.trainer
    assert isinstance(trainer, RecipeTrainer)
    trainer.set_learning_rate(0.0125)
    assert trainer.learning_rate() == pytest.approx(0.0125)
    trainer.check_replacement(prepared.data)  # its own data is always acceptable
    trainer.replace_data(prepared.data)
    snaps = list(trainer.run())
    assert snaps[-1].is_final and trainer.epoch == 1 and trainer.step > 0
    assert len(trainer.history["train_loss"]) == 1
    assert trainer.time_to_first_step is not None
    report = final_metrics(trainer, prepared.data)
    assert report["split"] in ("validation", "train")


def test_perceptron_draws_its_line_and_takes_new_points():
    prepared = _prepared("perceptron_and")
    trainer = prepared.trainer
    list(trainer.run())
    probes = trainer.probe_grid.compute(["decision_grid"])
    grid = probes["decision_grid"]  # (G, G) step output: 0 on one side of the line, 1 beyond
    assert grid.ndim == 2 and set(np.unique(grid)) <= {0.0, 1.0}
    assert len(probes["grid_extent"]) == 4
    x = prepared.data.x_train
    assert np.array_equal(trainer.predict(x), trainer.probe_grid.model.predict(x)[:, 0] >= 0.5)
    more = dataclasses.replace(prepared.data, x_train=prepared.data.x_train[:2],
                               y_train=prepared.data.y_train[:2])
    trainer.replace_data(more)
    assert trainer.data is more and trainer.probe_grid.data is more


def test_perceptron_refuses_data_it_cannot_separate_with_a_plain_message():
    from engine.types import LayerLabError

    prepared = _prepared("perceptron_and")
    three = dataclasses.replace(prepared.data, n_classes=3)
    with pytest.raises(LayerLabError, match="two classes"):
        prepared.trainer.check_replacement(three)
    with pytest.raises(LayerLabError, match="two classes"):
        prepared.trainer.replace_data(three)
    assert prepared.trainer.data is prepared.data  # refused: nothing changed
