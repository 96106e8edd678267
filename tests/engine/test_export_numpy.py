"""The NumPy export: the script's forward pass, loss and gradients equal the engine's (float64,
1e-10) on the bundled examples of each family, it trains from the command line, and an
unsupported layer gives a message that lists the supported ones."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engine.export import ExportError, export_project
from engine.export.numpy_templates import NUMPY_TEMPLATES
from engine.graph import Graph
from tests.engine.export_helpers import (
    engine_reference,
    example,
    load_script,
    numpy_matches_engine,
    random_weights,
)

TRAINABLE = ["spiral", "digits_mlp", "digits_cnn", "resnet_tiny", "sine_rnn",
             "copy_lstm_vs_rnn", "regression_sine", "xor", "tiny_transformer"]


def exported(project, weights, tmp_path):
    script, weights_file, _ = export_project(project, "numpy", tmp_path, weights=weights)
    return load_script(script), dict(np.load(weights_file))


@pytest.mark.parametrize("name", TRAINABLE)
def test_outputs_loss_and_gradients_equal_the_engine(name, tmp_path):
    numpy_matches_engine(example(name), tmp_path)  # asserts outputs, loss and gradients


def test_variants_with_strides_average_pooling_and_gru(tmp_path):
    project = example("digits_cnn")
    graph = Graph.sequential([
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv a", "filters": 3, "kernel_size": [3, 2],
         "strides": [2, 1], "padding": "same", "activation": "elu"},
        {"kind": "AvgPool2D", "name": "avg", "pool_size": [2, 2], "strides": [1, 1],
         "padding": "same"},
        {"kind": "MaxPool2D", "name": "max", "pool_size": [3, 3], "strides": [2, 2],
         "padding": "same"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "class", "units": 10, "activation": "softmax"},
    ])
    project.graph = graph
    weights = random_weights(project)
    _, x, y, out, _, _, grads = engine_reference(project, weights)
    script, P = exported(project, weights, tmp_path)
    ours, cache = script.forward(P, x)
    np.testing.assert_allclose(ours, out, rtol=1e-10, atol=1e-10)
    G = script.backward(P, cache, script.loss_fn(ours, y)[1])
    for key, g in grads.items():
        np.testing.assert_allclose(G[key], g, rtol=1e-8, atol=1e-10, err_msg=key)


def test_gru_forward_equals_the_engine(tmp_path):
    project = example("sine_rnn")
    for node in project.graph.nodes.values():
        if node.kind == "SimpleRNN":
            node.kind = "GRU"
    weights = random_weights(project)
    _, x, _, out, _, _, _ = engine_reference(project, weights)
    script, P = exported(project, weights, tmp_path)
    np.testing.assert_allclose(script.forward(P, x)[0], out, rtol=1e-10, atol=1e-10)


def test_script_trains_from_the_command_line_without_layerlab(tmp_path):
    project = example("xor")
    script, _, _ = export_project(project, "numpy", tmp_path)
    source = script.read_text()
    assert "engine" not in source.replace("LayerLab", "")
    run = subprocess.run([sys.executable, str(script), "--train", "--epochs", "3"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "epoch 3/3" in run.stdout and "validation loss" in run.stdout
    trained = np.load(tmp_path / f"{script.stem[:-len('_numpy')]}_numpy_trained.npz")
    assert set(trained.files) == set(np.load(tmp_path / f"{script.stem[:-6]}_weights.npz").files)


def sampling_classifier():
    """A Sampling layer (a VAE's reparameterisation) in a supervised network."""
    project = example("spiral")
    graph = Graph()
    graph.add_node("Input", "point", {"shape": [2]})
    graph.add_node("Dense", "mean", {"units": 2})
    graph.add_node("Dense", "log var", {"units": 2})
    graph.add_node("Sampling", "code", {})
    graph.add_node("Dense", "class", {"units": 2, "activation": "softmax"})
    for source, target in (("point", "mean"), ("point", "log var"), ("code", "class")):
        graph.connect(source, target)
    graph.connect("mean", "code", 0)
    graph.connect("log var", "code", 1)
    project.graph = graph
    return project


def test_unsupported_layer_lists_the_supported_kinds(tmp_path, monkeypatch):
    """Every layer kind has a NumPy template now; without Sampling's the export would say
    which layer it cannot write and list the kinds it can, writing nothing."""
    monkeypatch.delitem(NUMPY_TEMPLATES, "Sampling")
    with pytest.raises(ExportError) as err:
        export_project(sampling_classifier(), "numpy", tmp_path)
    message = str(err.value)
    assert "'code'" in message and "Sampling" in message
    assert all(kind in message for kind in ("Dense", "Conv2D", "LSTM", "Bidirectional"))
    assert not list(tmp_path.iterdir())


def test_sampling_in_a_supervised_network(tmp_path):
    """The engine's supervised trainer adds the Sampling layer's KL at weight 1; the script
    does too (BETA = 1, no warm-up); evaluation passes equal the engine's."""
    project = sampling_classifier()
    numpy_matches_engine(project, tmp_path / "numpy")
    text = next((tmp_path / "numpy").glob("*_numpy.py")).read_text()
    assert "BETA = 1.0" in text and "value += kl_weight(step) * kl_total(cache)" in text
    script, _, _ = export_project(project, "torch", tmp_path / "torch")  # used to fail
    assert "BETA = 1.0" in script.read_text() and "kl_weight(step) * net.kl()" in \
        script.read_text()


def test_cli_exports_the_trained_weights_of_the_sidecar(tmp_path, capsys):
    from engine.cli import main
    from engine.project import load_weights, save_project, weights_path

    project_file = tmp_path / "xor.layerlab.json"
    save_project(example("xor"), project_file)
    assert main(["train", str(project_file), "--epochs", "3", "--save-weights",
                 "--report", str(tmp_path / "r.json")]) == 0
    assert main(["export", str(project_file), "--to", "numpy", "--out",
                 str(tmp_path / "code")]) == 0
    assert "weights: trained" in capsys.readouterr().out
    trained = load_weights(weights_path(project_file))[0]
    written = np.load(next((tmp_path / "code").glob("*_weights.npz")))
    for key, value in trained.items():
        np.testing.assert_allclose(written[key], value)
    huber = example("xor")  # refused: the message, no traceback
    huber.training.loss = "huber"
    save_project(huber, tmp_path / "huber.layerlab.json")
    assert main(["export", str(tmp_path / "huber.layerlab.json"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "The loss huber is not written by the NumPy export" in err and "Traceback" not in err


def example_path(name):
    from tests.engine.export_helpers import EXAMPLES

    return EXAMPLES / f"{name}.layerlab.json"
