"""Weight penalties (l1/l2 per layer) and gradient clipping (clip_value, clip_norm) in the
PyTorch script: the penalties are added to the loss before backward (gradient l1·sign(w) +
2·l2·w, the engine's convention), the clipping follows backward, in the engine's order. Six
full-batch training steps of the exported script (float64) end on the engine's weights."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch
from tests.engine.export_helpers import (
    engine_trained,
    load_script,
    random_weights,
)
from tests.engine.test_numpy_export_penalties import penalised_cnn

torch = pytest.importorskip("torch")


def torch_trained(project, weights, n, tmp_path):
    """The exported script's weights after training on the first n samples (float64)."""
    script, weights_file, data_file = export_project(project, "torch", tmp_path, weights=weights)
    with np.load(data_file) as data:
        arrays = {k: data[k] for k in data.files}
    for key in ("x_train", "y_train", "labels_train"):
        arrays[key] = arrays[key][:n]
    np.savez(data_file, **arrays)
    module = load_script(script)
    module.train(project.training.epochs, weights_file, tmp_path / "out.npz", torch.float64)
    with np.load(tmp_path / "out.npz") as saved:
        state = {k: saved[k] for k in saved.files}
    return from_torch(make_plan(project, load_dataset(project.dataset)), state), script


@pytest.mark.parametrize("clip", [(0.0, 0.0), (0.02, 0.0), (0.0, 0.1), (0.03, 0.2)])
def test_training_with_penalties_and_clipping_ends_on_the_engines_weights(clip, tmp_path):
    project = penalised_cnn()
    n = 48
    project.training.batch_size, project.training.epochs = n, 6  # full batches: any order
    project.training.clip_value, project.training.clip_norm = clip
    weights = random_weights(project)
    trained, script = torch_trained(project, weights, n, tmp_path)
    text = script.read_text()
    assert "loss = loss + penalty(net)" in text
    assert "'conv.weight': (0.0, 0.01)" in text
    assert ("clip_grad_value_" in text) == (clip[0] > 0)
    assert ("clip_grad_norm_" in text) == (clip[1] > 0)
    expected = engine_trained(project, weights, n)
    start_gap = max(float(np.max(np.abs(weights[k] - v))) for k, v in expected.items())
    assert start_gap > 1e-3  # the six steps moved the weights
    assert set(trained) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-5, atol=1e-9, err_msg=key)
