"""An exported NumPy script orders its epochs as the engine's trainer does: with the project's
weighted sampling on, the script's epoch indices equal the trainer's for the seed, epoch after
epoch, and its training loop ends on the engine's weights; shuffle off keeps the stored order;
a regression project ignores weighted sampling, as the trainer does."""

from __future__ import annotations

import numpy as np

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.graph import Graph
from engine.model import Model
from engine.training import Trainer
from tests.engine.export_helpers import example, load_script, random_weights


def rare_class_project():
    """Moons with one class cut to a tenth, a small MLP, weighted sampling on."""
    project = example("spiral")
    project.dataset = {"name": "moons", "n_samples": 200, "noise": 0.3, "imbalance": 0.1}
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "points", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 5, "activation": "tanh"},
        {"kind": "Dense", "name": "class", "units": 2, "activation": "softmax"},
    ])
    project.training.weighted_sampling = True
    project.training.batch_size, project.training.epochs = 16, 3
    return project


def engine_trainer(project, weights):
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    return Trainer(model, load_dataset(project.dataset), project.training)


def test_weighted_epochs_equal_the_trainers_indices_and_weights(tmp_path):
    project = rare_class_project()
    weights = random_weights(project)
    script_file, weights_file, data_file = export_project(project, "numpy", tmp_path,
                                                          weights=weights)
    source = script_file.read_text()
    assert "def weighted_order(" in source and "labels=data['labels_train']" in source
    script, data = load_script(script_file), dict(np.load(data_file))
    labels = data["labels_train"]
    counts = np.bincount(labels)
    assert counts.min() * 4 < counts.max()  # the rare class is rare
    trainer = engine_trainer(project, weights)
    ours = np.random.default_rng(project.training.seed)
    for _ in range(3):  # three epochs drawn from one generator each
        np.testing.assert_array_equal(script.epoch_order(ours, labels),
                                      trainer._order(len(labels)))
    drawn = labels[script.epoch_order(np.random.default_rng(1), labels)]
    assert abs(np.mean(drawn == np.argmin(counts)) - 0.5) < 0.15  # about half the draws

    trainer = engine_trainer(project, weights)
    for _ in trainer.run():
        pass
    P = dict(np.load(weights_file))
    trained = script.train(P, data["x_train"], data["y_train"], 3, project.training.seed,
                           labels=labels)
    for key, value in trainer.model.get_weights().items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)


def test_shuffle_off_keeps_the_order_and_regression_ignores_weighting(tmp_path):
    project = rare_class_project()
    project.training.weighted_sampling, project.training.shuffle = False, False
    script = load_script(export_project(project, "numpy", tmp_path / "a")[0])
    np.testing.assert_array_equal(script.epoch_order(np.random.default_rng(0), 7), np.arange(7))

    project = example("regression_sine")
    project.training.weighted_sampling = True
    script_file = export_project(project, "numpy", tmp_path / "b")[0]
    assert "weighted_order" not in script_file.read_text()
    order = load_script(script_file).epoch_order(np.random.default_rng(5), 9)
    np.testing.assert_array_equal(order, np.random.default_rng(5).permutation(9))
