"""Recurrent cells torch's modules cannot run, written out in the PyTorch script's explicit
loop (``run_cells`` / ``cell_step``): activations other than torch's (a ReLU LSTM,
hard-sigmoid gates, a sigmoid SimpleRNN, …) and the original GRU (``reset_after`` off).
Each gives the engine's training-mode outputs, loss and gradients (float64, with the engine's
dropout masks where dropout is on) and its evaluation-mode outputs."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from tests.engine.export_helpers import load_script, random_weights
from tests.engine.test_torch_export_recurrent_loop import check_training_pass, recurrent_project

torch = pytest.importorskip("torch")

CASES = [("sine_rnn", "SimpleRNN", {"activation": "sigmoid"}),
         ("sine_rnn", "SimpleRNN", {"activation": "softplus", "dropout": 0.3,
                                    "recurrent_dropout": 0.2, "bptt_steps": 6}),
         ("copy_lstm_vs_rnn", "LSTM", {"activation": "relu",
                                       "recurrent_activation": "hard_sigmoid"}),
         ("copy_lstm_vs_rnn", "LSTM", {"activation": "relu", "dropout": 0.25,
                                       "recurrent_dropout": 0.35, "bptt_steps": 3}),
         ("sine_rnn", "GRU", {"activation": "selu", "recurrent_activation": "hard_sigmoid"}),
         ("sine_rnn", "LSTM", {"activation": "gelu", "recurrent_activation": "linear"}),
         ("sine_rnn", "GRU", {"reset_after": False}),
         ("sine_rnn", "GRU", {"reset_after": False, "use_bias": False}),
         ("sine_rnn", "GRU", {"reset_after": False, "activation": "relu",
                              "recurrent_activation": "hard_sigmoid", "dropout": 0.2,
                              "recurrent_dropout": 0.3, "bptt_steps": 4}),
         ("copy_lstm_vs_rnn", "GRU", {"reset_after": False, "activation": "silu"}),
         ("sine_rnn", "SimpleRNN", {"activation": "leaky_relu"}),  # slope 0.01, as Dense
         ("sine_rnn", "LSTM", {"activation": "elu", "recurrent_activation": "hard_sigmoid"})]


@pytest.mark.parametrize("name, kind, options", CASES)
def test_written_out_cells_reproduce_the_engine(name, kind, options, tmp_path):
    gap = check_training_pass(name, kind, options, tmp_path)
    print(f"{kind} {options}: {gap:.1e}")
    assert gap < 1e-13  # relative to the largest gradient


def test_the_script_names_the_cell_it_writes_out(tmp_path):
    """The classic GRU keeps one bias: nn.GRU's bias_hh is zeroed and frozen; the call names
    the activations and ``classic=True``; weights go there and back unchanged."""
    project, layer = recurrent_project("sine_rnn", "GRU", reset_after=False,
                                       activation="leaky_relu",
                                       recurrent_activation="hard_sigmoid")
    weights = random_weights(project)
    script, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    text = script.read_text()
    var = make_plan(project, load_dataset(project.dataset)).step(layer).var
    assert ("act=lambda v: F.leaky_relu(v, 0.01), gate_act=lambda v: F.relu6(v + 3.0) / 6.0, "
            "classic=True" in text)
    assert f"self.{var}.bias_hh_l0.requires_grad_(False)" in text
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    rnn = getattr(net, var)
    assert not rnn.bias_hh_l0.requires_grad and float(rnn.bias_hh_l0.abs().max()) == 0.0
    units = rnn.hidden_size
    kernel = weights[f"{layer}/kernel"]  # (F, 3H) in z, r, n: torch holds r, z, n
    np.testing.assert_array_equal(rnn.weight_ih_l0.detach().numpy()[:units],
                                  kernel[:, units:2 * units].T)
