"""Every bundled example loads, checks, and trains a few steps; the key ones reach their targets."""

from pathlib import Path

import numpy as np
import pytest

from engine.project import load_project
from engine.recipes import prepare

EXAMPLES = sorted(Path("assets/examples").glob("*.layerlab.json"))


def test_examples_exist():
    names = {p.name for p in EXAMPLES}
    for required in ("perceptron_and", "xor", "spiral", "circles", "regression_sine",
                     "digits_mlp"):
        assert f"{required}.layerlab.json" in names


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_loads_and_trains_a_few_steps(path):
    project = load_project(path)
    assert project.graph.infer_shapes().ok
    project.training.epochs = 2
    prepared = prepare(project)
    snaps = list(prepared.trainer.run())
    assert snaps[-1].is_final and np.isfinite(snaps[-1].train_loss)


def train_to_end(name: str):
    prepared = prepare(load_project(f"assets/examples/{name}.layerlab.json"))
    return prepared, list(prepared.trainer.run())[-1]


def test_perceptron_learns_and():
    _, final = train_to_end("perceptron_and")
    assert final.metrics["train_accuracy"] == 1.0 and "Converged" in final.message


def test_perceptron_fails_on_xor_and_says_why():
    project = load_project("assets/examples/perceptron_and.layerlab.json")
    project.dataset = {"name": "xor_gate"}
    final = list(prepare(project).trainer.run())[-1]
    assert final.metrics["train_accuracy"] < 1.0 and "hidden layer" in final.message
    updates = final.extra["updates"]
    assert updates and {"weights_before", "weights_after", "x", "target"} <= set(updates[0])


def test_xor_reaches_97_percent():
    _, final = train_to_end("xor")
    assert final.metrics["train_accuracy"] >= 0.97


@pytest.mark.slow
def test_spiral_reaches_97_percent():
    _, final = train_to_end("spiral")
    assert final.metrics["train_accuracy"] >= 0.97


@pytest.mark.slow
def test_digits_reaches_95_percent_validation():
    _, final = train_to_end("digits_mlp")
    assert final.metrics["val_accuracy"] >= 0.95


def test_circles_and_sine_learn():
    _, final = train_to_end("circles")
    assert final.metrics["val_accuracy"] >= 0.95
    _, final = train_to_end("regression_sine")
    assert final.metrics["val_r2"] >= 0.9
