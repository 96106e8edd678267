"""Class-weighted and summed losses in the NumPy script, as the engine computes them
(``engine.class_weights``, ``engine.losses``): the pasted blocks equal the engine's losses and
gradients (labels, one-hot and soft rows, one yes/no output, K one-hot outputs; mean and sum),
and whole networks trained by the script end on the engine's weights."""

from __future__ import annotations

import numpy as np
import pytest

from engine.export import numpy_losses
from engine.losses import get_loss
from tests.engine.export_helpers import (
    example,
    exported,
    numpy_matches_engine,
    numpy_training_matches_engine,
    random_weights,
)

WEIGHTS = "1, 2, 3, 4, 5, 0.5, 1, 1, 2, 9"


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("targets", ["labels", "onehot", "soft"])
def test_weighted_cross_entropy_block_is_the_engines(targets, reduction):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(12, 10))
    labels = rng.integers(0, 10, 12)
    y = {"labels": labels, "onehot": np.eye(10)[labels],
         "soft": rng.dirichlet(np.ones(10), size=12)}[targets]
    engine = get_loss("categorical_crossentropy", from_logits=True, class_weight=WEIGHTS,
                      reduction=reduction)
    value, grad = engine.value_and_grad(logits, y)
    weights = np.array([float(w) for w in WEIGHTS.split(",")])
    ours, d = numpy_losses.weighted_softmax_cross_entropy(logits, y, weights,
                                                          summed=reduction == "sum")
    assert ours == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(d, grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("units", [1, 4])
def test_weighted_binary_cross_entropy_block_is_the_engines(units, reduction):
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(9, units)) * 3
    y = (rng.random((9, 1)) < 0.3).astype(float) if units == 1 else \
        np.eye(4)[rng.integers(0, 4, 9)]
    setting = "0.5, 3" if units == 1 else "1, 2, 0.25, 4"
    engine = get_loss("binary_crossentropy", from_logits=True, class_weight=setting,
                      reduction=reduction)
    value, grad = engine.value_and_grad(logits, y)
    weights = np.array([float(w) for w in setting.split(",")])
    ours, d = numpy_losses.weighted_sigmoid_cross_entropy(logits, y, weights,
                                                          summed=reduction == "sum")
    assert ours == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(d, grad, rtol=1e-10, atol=1e-15)


def weighted_digits(class_weight=WEIGHTS, reduction="mean"):
    """digits_mlp with the loss options, its Dropout off (the script draws its own masks)."""
    project = example("digits_mlp")
    project.training.loss_options = {"class_weight": class_weight, "reduction": reduction}
    for name, node in project.graph.nodes.items():
        if node.kind == "Dropout":
            project.graph.set_options(name, {**node.options, "rate": 0.0})
    return project


@pytest.mark.parametrize("class_weight, reduction", [("balanced", "mean"), (WEIGHTS, "sum"),
                                                      ("none", "sum")])
def test_the_script_gives_the_engines_loss_and_gradients(class_weight, reduction, tmp_path):
    project = weighted_digits(class_weight, reduction)
    numpy_matches_engine(project, tmp_path)  # asserts outputs, loss and every gradient
    text = next(tmp_path.glob("*_numpy.py")).read_text()
    assert ("CLASS_WEIGHTS = np.array" in text) == (class_weight != "none")
    assert ("summed=True" in text or "summed over the items" in text) == (reduction == "sum")


@pytest.mark.parametrize("class_weight, reduction", [(WEIGHTS, "mean"), (WEIGHTS, "sum"),
                                                      ("none", "sum")])
def test_training_ends_on_the_engines_weights(class_weight, reduction, tmp_path):
    """SGD (Adam would hide most of a summed loss's scale), 2 epochs of 3 steps."""
    project, plain = weighted_digits(class_weight, reduction), weighted_digits("none", "mean")
    for p in (project, plain):
        p.training.optimizer, p.training.optimizer_options = "sgd", {"learning_rate": 0.01}
    _, expected = numpy_training_matches_engine(project, tmp_path)
    plain.training.batch_size, plain.training.epochs = 16, 2
    script, P, data = exported(plain, random_weights(plain), tmp_path / "plain")
    unweighted = script.train(P, data["x_train"][:48], data["y_train"][:48], 2,
                              plain.training.seed)
    gap = max(float(np.max(np.abs(unweighted[k] - v))) for k, v in expected.items())
    assert gap > 1e-3  # the weights or the sum change the run, so the match above means it


@pytest.mark.parametrize("name", ["xor", "circles"])
def test_weighted_yes_no_output_gives_the_engines_gradients(name, tmp_path):
    project = example(name)
    project.training.loss_options = {"class_weight": "1, 3"}
    numpy_matches_engine(project, tmp_path)
    text = next(tmp_path.glob("*_numpy.py")).read_text()
    assert "CLASS_WEIGHTS = np.array([1.0, 3.0])" in text
    assert "return weighted_sigmoid_cross_entropy(out, y, CLASS_WEIGHTS" in text
