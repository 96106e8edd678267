"""Class-weighted losses in the PyTorch export: the class weights the trainer fits to the
training labels ("balanced" resolved, or the learner's list) go into the plan and the script
(``CLASS_WEIGHTS``); the exported loss and one step's gradients equal the engine's (float64)
for cross-entropy on labels and binary cross-entropy on one or several sigmoid outputs,
averaged (Σ w·l / Σ w) and summed."""

from __future__ import annotations

import numpy as np
import pytest

from engine.class_weights import balanced_weights
from engine.datasets.registry import load_dataset
from engine.export.plan import make_plan
from engine.graph import Graph
from tests.engine.export_helpers import example
from tests.engine.test_export_torch import check_against_engine

pytest.importorskip("torch")


def weighted(name, class_weight, reduction="mean", loss=None):
    project = example(name)
    if loss:
        project.training.loss = loss
    project.training.loss_options = {"class_weight": class_weight, "reduction": reduction}
    return project


def script_text(tmp_path):
    return next(tmp_path.glob("*_torch.py")).read_text()


def test_balanced_cross_entropy_puts_the_fitted_weights_in_the_script(tmp_path):
    project = weighted("digits_mlp", "balanced")
    data = load_dataset(project.dataset)
    plan = make_plan(project, data)
    fitted = balanced_weights(data.y_train, data.n_classes)
    assert not np.allclose(fitted, 1.0)  # the digits' classes are not exactly balanced
    np.testing.assert_array_equal(plan.class_weights, fitted)
    check_against_engine(project, tmp_path)
    text = script_text(tmp_path)
    assert f"CLASS_WEIGHTS = torch.tensor([{float(fitted[0])!r}," in text
    assert "weight=CLASS_WEIGHTS.to(out)" in text


def test_listed_class_weights_summed(tmp_path):
    project = weighted("digits_mlp", "1, 2, 3, 4, 5, 0.5, 1, 1, 2, 9", reduction="sum")
    check_against_engine(project, tmp_path)
    assert "reduction='sum'" in script_text(tmp_path)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_binary_cross_entropy_weights_yes_and_no(reduction, tmp_path):
    check_against_engine(weighted("circles", "1, 4", reduction), tmp_path)
    assert "w[1] * y + w[0] * (1 - y)" in script_text(tmp_path)


def test_binary_cross_entropy_on_one_hot_rows(tmp_path):
    project = weighted("circles", "balanced", loss="binary_crossentropy")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "point", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 4, "activation": "tanh"},
        {"kind": "Dense", "name": "class", "units": 2, "activation": "sigmoid"},
    ])
    check_against_engine(project, tmp_path)
    assert "(y @ w)[..., None]" in script_text(tmp_path)


def test_an_unweighted_loss_has_no_class_weights():
    project = example("digits_mlp")
    assert make_plan(project, load_dataset(project.dataset)).class_weights is None


def test_both_exports_write_the_same_fitted_class_weights(tmp_path):
    """The NumPy script weighs (and sums) as the PyTorch script does: the same CLASS_WEIGHTS,
    fitted to the training labels (tests/engine/test_numpy_export_losses.py checks its loss
    against the engine's)."""
    from engine.export import export_project
    from tests.engine.export_helpers import load_script

    project = weighted("digits_mlp", "balanced")
    numpy_file, _, _ = export_project(project, "numpy", tmp_path / "numpy")
    torch_file, _, _ = export_project(project, "torch", tmp_path / "torch")
    ours, theirs = load_script(numpy_file), load_script(torch_file)
    labels = load_dataset(project.dataset).y_train
    np.testing.assert_array_equal(ours.CLASS_WEIGHTS, theirs.CLASS_WEIGHTS.numpy())
    np.testing.assert_allclose(ours.CLASS_WEIGHTS, balanced_weights(labels, 10), rtol=1e-12)
    summed, _, _ = export_project(weighted("digits_mlp", "none", reduction="sum"), "numpy",
                                  tmp_path / "sum")
    assert "summed over the items" in summed.read_text()
