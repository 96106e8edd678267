"""SimpleRNN, LSTM, GRU: PyTorch oracle with copied weights (forward and backward), truncated
BPTT, dropout at test time, shape errors, inspect().

Weight mapping to PyTorch (documented in engine/layers/recurrent.py): ``weight_ih = kernelᵀ``,
``weight_hh = recurrent_kernelᵀ``, ``bias_ih = bias``, ``bias_hh = 0`` (GRU:
``recurrent_bias``). LSTM gate order i, f, g, o is the same in both; our GRU blocks are
z, r, n and PyTorch's r, z, n, so the first two blocks swap.
"""

import numpy as np
import pytest

from engine.layers import create_layer
from engine.types import ShapeError

B, T, F, H = 2, 5, 3, 4


def make(kind, dtype=np.float64, **options):
    layer = create_layer({"kind": kind, "name": "rnn", "units": H, "return_sequences": True,
                          **options})
    layer.build([(T, F)], np.random.default_rng(0), dtype)
    rng = np.random.default_rng(1)
    for value in layer.params.values():
        value[...] = rng.normal(0.0, 0.5, value.shape)
    return layer


def torch_order(kind, a):
    """Our gate blocks along axis 0 -> PyTorch's (swap z, r for the GRU)."""
    if kind != "GRU":
        return a
    return np.concatenate([a[H : 2 * H], a[:H], a[2 * H :]])


def torch_module(kind, layer):
    torch = pytest.importorskip("torch")
    cls = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    mod = cls(F, H, batch_first=True).double()
    p = layer.params
    rb = p.get("recurrent_bias", np.zeros_like(p["bias"]))
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.from_numpy(torch_order(kind, p["kernel"].T)))
        mod.weight_hh_l0.copy_(torch.from_numpy(torch_order(kind, p["recurrent_kernel"].T)))
        mod.bias_ih_l0.copy_(torch.from_numpy(torch_order(kind, p["bias"])))
        mod.bias_hh_l0.copy_(torch.from_numpy(torch_order(kind, rb)))
    return mod


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("backend_name", ["numba", "numpy"])
def test_forward_and_backward_match_torch(kind, backend_name):
    torch = pytest.importorskip("torch")
    from engine import backend

    layer = make(kind)
    mod = torch_module(kind, layer)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(B, T, F))
    w = rng.normal(size=(B, T, H))
    with backend.using(backend_name):
        y = layer.forward([x], training=False)
        gx = layer.backward(w)[0]
    tx = torch.tensor(x, requires_grad=True)
    ty, _ = mod(tx)
    (ty * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    g = layer.grads
    np.testing.assert_allclose(torch_order(kind, g["kernel"].T), mod.weight_ih_l0.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(torch_order(kind, g["recurrent_kernel"].T),
                               mod.weight_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(torch_order(kind, g["bias"]), mod.bias_ih_l0.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    if kind == "GRU":
        np.testing.assert_allclose(torch_order(kind, g["recurrent_bias"]),
                                   mod.bias_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_last_state_output_is_last_step_of_the_sequence(kind):
    seq, last = make(kind), make(kind, return_sequences=False)
    x = np.random.default_rng(3).normal(size=(B, T, F))
    ys = seq.forward([x], False)
    yl = last.forward([x], False)
    assert yl.shape == (B, H)
    np.testing.assert_array_equal(yl, ys[:, -1])
    g = np.random.default_rng(4).normal(size=(B, H))
    full = np.zeros((B, T, H))
    full[:, -1] = g
    np.testing.assert_allclose(last.backward(g)[0], seq.backward(full)[0], rtol=1e-12)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_truncated_bptt_equals_full_when_steps_cover_the_sequence(kind):
    x = np.random.default_rng(5).normal(size=(B, T, F))
    w = np.random.default_rng(6).normal(size=(B, T, H))
    results = []
    for k in (0, T, T + 3, 2):
        layer = make(kind, bptt_steps=k)
        layer.forward([x], True)
        gx = layer.backward(w)[0]
        results.append((gx, {key: g.copy() for key, g in layer.grads.items()}))
    for gx, grads in results[1:3]:
        np.testing.assert_array_equal(gx, results[0][0])
        for key in grads:
            np.testing.assert_array_equal(grads[key], results[0][1][key])
    assert not np.allclose(results[3][1]["recurrent_kernel"], results[0][1]["recurrent_kernel"])


def test_truncated_lstm_matches_torch_detaching_every_k_steps():
    torch = pytest.importorskip("torch")
    k = 2
    layer = make("LSTM", bptt_steps=k)
    mod = torch_module("LSTM", layer)
    cell = torch.nn.LSTMCell(F, H).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(mod, name + "_l0"))
    x = np.random.default_rng(7).normal(size=(B, T, F))
    w = np.random.default_rng(8).normal(size=(B, T, H))
    layer.forward([x], True)
    gx = layer.backward(w)[0]
    tx = torch.tensor(x, requires_grad=True)
    h = c = torch.zeros(B, H, dtype=torch.float64)
    total = 0
    for t in range(T):
        if t > 0 and t % k == 0:
            h, c = h.detach(), c.detach()
        h, c = cell(tx[:, t], (h, c))
        total = total + (h * torch.from_numpy(w[:, t])).sum()
    total.backward()
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.grads["recurrent_kernel"].T, cell.weight_hh.grad.numpy(),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_dropout_only_acts_while_training(kind):
    plain = make(kind)
    drop = make(kind, dropout=0.5, recurrent_dropout=0.5)
    x = np.random.default_rng(9).normal(size=(B, T, F))
    np.testing.assert_array_equal(drop.forward([x], False), plain.forward([x], False))
    assert not np.allclose(drop.forward([x], True), plain.forward([x], False))


def test_flat_input_gets_a_readable_shape_error():
    layer = create_layer({"kind": "LSTM", "name": "lstm", "units": 4})
    with pytest.raises(ShapeError, match="Embedding"):
        layer.output_shape([(10,)])
    with pytest.raises(ShapeError, match="Reshape"):
        layer.output_shape([(1, 28, 28)])


def test_inspect_shows_hidden_states_and_gates():
    lstm = make("LSTM")
    lstm.forward([np.ones((B, T, F))], False)
    seen = lstm.inspect()
    assert seen["hidden_states"].shape == (B, T, H)
    for key in ("input_gate", "forget_gate", "cell_candidate", "output_gate", "cell_state"):
        assert seen[key].shape == (B, T, H)
    assert np.all((seen["forget_gate"] > 0) & (seen["forget_gate"] < 1))
    gru = make("GRU")
    gru.forward([np.ones((B, T, F))], False)
    assert set(gru.inspect()) == {"hidden_states", "update_gate", "reset_gate", "candidate"}


def test_lstm_initialisation_follows_keras():
    layer = create_layer({"kind": "LSTM", "name": "l", "units": H})
    layer.build([(T, F)], np.random.default_rng(0), np.float32)
    bias = layer.params["bias"]
    np.testing.assert_array_equal(bias[H : 2 * H], 1.0)  # unit_forget_bias
    np.testing.assert_array_equal(np.delete(bias, np.s_[H : 2 * H]), 0.0)
    u = layer.params["recurrent_kernel"].astype(np.float64)  # (H, 4H), orthonormal rows
    np.testing.assert_allclose(u @ u.T, np.eye(H), atol=1e-6)
    assert layer.param_count([(T, F)]) == 4 * H * (F + H + 1)


def test_recurrent_output_layer_in_logits_mode_is_explained():
    from engine.types import ConfigError

    layer = make("GRU", activation="sigmoid")
    layer.skip_activation = True  # what the model sets with binary cross-entropy
    with pytest.raises(ConfigError, match="Dense"):
        layer.forward([np.zeros((B, T, F))], False)
