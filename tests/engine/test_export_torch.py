"""The PyTorch export: the exported ``Network`` with the exported weights reproduces the
engine's outputs, loss and gradients (float64) for one project of each family, its weights
map back to LayerLab's, and the training script runs on one process and under torchrun."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch, to_torch
from engine.graph import Graph
from tests.engine.export_helpers import engine_reference, example, load_script, random_weights

torch = pytest.importorskip("torch")

FAMILIES = ["digits_mlp", "spiral", "digits_cnn", "resnet_tiny", "sine_rnn",
            "copy_lstm_vs_rnn", "tiny_transformer"]


def torch_network(project, weights, tmp_path):
    script, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    return module, net


def check_against_engine(project, tmp_path):
    weights = random_weights(project)
    data, x, y, out, probs, loss, grads = engine_reference(project, weights)
    module, net = torch_network(project, weights, tmp_path)
    net.eval()  # dropout off, as in the engine reference
    theirs = net(torch.from_numpy(x))
    np.testing.assert_allclose(theirs.detach().numpy(), out, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(module.predict(net, torch.from_numpy(x)).numpy(), probs,
                               rtol=1e-10, atol=1e-10)
    value = module.loss_fn(theirs, torch.from_numpy(np.asarray(y)))
    assert value.item() == pytest.approx(loss, rel=1e-10)
    value.backward()
    torch_grads = {k: p.grad.numpy() for k, p in net.named_parameters() if p.grad is not None}
    mapped = from_torch(make_plan(project, data), torch_grads)
    assert set(mapped) == set(grads)
    for key, g in grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("name", FAMILIES)
def test_module_reproduces_outputs_and_gradients(name, tmp_path):
    check_against_engine(example(name), tmp_path)


def test_gru_and_strided_convolutions_with_same_padding(tmp_path):
    project = example("sine_rnn")
    for node in project.graph.nodes.values():
        if node.kind == "SimpleRNN":
            node.kind = "GRU"
    check_against_engine(project, tmp_path / "gru")
    project = example("digits_cnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv a", "filters": 3, "kernel_size": [3, 2],
         "strides": [2, 1], "padding": "same", "activation": "gelu"},
        {"kind": "AvgPool2D", "name": "avg", "pool_size": [2, 2], "strides": [1, 1],
         "padding": "same"},
        {"kind": "MaxPool2D", "name": "max", "pool_size": [3, 3], "strides": [2, 2],
         "padding": "same"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "class", "units": 10, "activation": "softmax"},
    ])
    check_against_engine(project, tmp_path / "cnn")


def test_weights_round_trip_through_torch_names():
    project = example("copy_lstm_vs_rnn")
    plan = make_plan(project, load_dataset(project.dataset))
    weights = random_weights(project)
    back = from_torch(plan, to_torch(plan, weights))
    assert set(back) == set(weights)
    for key, value in weights.items():
        np.testing.assert_array_equal(back[key], value)


def run_script(script, *args, env=None, nproc=0):
    cmd = [sys.executable, str(script), *args]
    if nproc:
        torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
        if torchrun is None:
            pytest.skip("torchrun is not installed")
        cmd = [torchrun, "--nproc_per_node", str(nproc), "--master_addr", "127.0.0.1",
               "--master_port", "29517", str(script), *args]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=script.parent, timeout=240,
                         env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.slow
def test_torchrun_two_processes_match_one_process(tmp_path):
    """Two CPU processes (gloo, loopback only) with half the batch each end one epoch with the
    weights of one process with the whole batch."""
    project = example("spiral")
    project.training.batch_mode = "mini"
    project.training.batch_size = 20
    script, _, _ = export_project(project, "torch", tmp_path)
    loopback = {"GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}
    one = tmp_path / "one.npz"
    two = tmp_path / "two.npz"
    run_script(script, "--epochs", "1", "--float64", "--out", str(one), env=loopback)
    out = run_script(script, "--epochs", "1", "--float64", "--out", str(two), env=loopback,
                     nproc=2)
    assert "epoch 1/1" in out
    a, b = np.load(one), np.load(two)
    assert set(a.files) == set(b.files)
    for key in a.files:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-12, err_msg=key)
