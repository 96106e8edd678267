"""A checkpoint keeps the run's other random streams (Dropout masks, a denoising
autoencoder's input noise), so training on from it equals the whole run."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.examples import example_path
from engine.checkpoints import capture, restore
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.project import load_project
from engine.recipes import prepare
from engine.training import TrainConfig, Trainer
from tests.engine.test_checkpoints import SPIRAL


def _dropout_trainer(data) -> Trainer:
    graph = Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 8, "activation": "tanh"},
        {"kind": "Dropout", "name": "drop", "rate": 0.3},
        {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"},
    ])
    config = TrainConfig(epochs=3, batch_size=16, seed=3, snapshot_every=1)
    return Trainer(Model(graph, seed=3), data, config)


def _resume_equals_whole(make) -> None:
    whole, fork = make(), None
    for _snap in whole.run():
        if fork is None and whole.epoch == 1 and whole.epoch_pos == 2:
            fork = capture(whole)
    assert fork is not None
    again = make()
    restore(again, fork)
    list(again.run())
    assert np.array_equal(again.model.params_flat, whole.model.params_flat)


def test_training_on_from_a_checkpoint_keeps_the_dropout_masks():
    data = load_dataset(SPIRAL)
    fork_trainer = _dropout_trainer(data)
    assert "layer/drop" in capture(fork_trainer).generators
    _resume_equals_whole(lambda: _dropout_trainer(data))


@pytest.mark.parametrize("example", ["denoising_ae", "vae_digits_2d"])
def test_training_on_from_a_checkpoint_keeps_the_autoencoders_noise(example):
    project = load_project(example_path(example))
    project.training.epochs = 2

    def make():
        trainer = prepare(copy.deepcopy(project)).trainer
        trainer.config.snapshot_every = 1  # one step per pull: the fork lands inside an epoch
        return trainer

    _resume_equals_whole(make)
