"""Initial states of SimpleRNN, LSTM, GRU (Keras ``initial_state``; inputs 2 and 3 on the
canvas): finite differences for h0/c0, numba == numpy, the PyTorch oracle with ``(h0, c0)``,
truncated BPTT, learner-readable shape errors and an encoder -> decoder graph that trains.
"""

import numpy as np
import pytest

from engine import backend
from engine.graph import Graph
from engine.layers import create_layer
from engine.model import Model
from engine.types import ShapeError
from tests.engine.gradcheck import assert_backends_agree, assert_close, numeric_grad
from tests.engine.test_recurrent import B, F, H, T, make, torch_module

KINDS = ["SimpleRNN", "LSTM", "GRU"]


def states(kind, dtype=np.float64, seed=11):
    """[h0] or [h0, c0]: (B, H) each."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, 0.8, (B, H)).astype(dtype) for _ in range(2 if kind == "LSTM" else 1)]


def run(layer, inputs, w, training=False):
    """Forward and backward once: (y, input grads, param grads)."""
    if training:
        layer._rng = np.random.default_rng(5)  # the same dropout masks every call
    y = layer.forward(inputs, training)
    grads = layer.backward(w)
    return y, grads, {k: g.copy() for k, g in layer.grads.items()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seq", [True, False])
@pytest.mark.parametrize("opts", [{}, {"dropout": 0.3, "recurrent_dropout": 0.4}])
def test_gradients_with_initial_states_match_finite_differences(kind, seq, opts):
    layer = make(kind, return_sequences=seq, **opts)
    training = "dropout" in opts
    rng = np.random.default_rng(3)
    inputs = [rng.normal(size=(B, T, F)), *states(kind)]
    w = rng.normal(size=(B, T, H) if seq else (B, H))

    def loss() -> float:
        if training:
            layer._rng = np.random.default_rng(5)
        return float(np.sum(layer.forward(inputs, training) * w))

    _, grads, pgrads = run(layer, inputs, w, training)
    assert len(grads) == len(inputs)
    if training:
        assert not np.allclose(layer._rmask, 1.0)  # the recurrent mask is really on
    for i, (g, x) in enumerate(zip(grads, inputs)):
        assert g.shape == x.shape
        assert_close(g, numeric_grad(loss, x), rtol=1e-6, atol=1e-8, what=f"input {i}")
        assert np.abs(g).max() > 1e-6
    for key, value in layer.params.items():
        assert_close(pgrads[key], numeric_grad(loss, value), rtol=1e-6, atol=1e-8, what=key)


@pytest.mark.parametrize("kind", KINDS)
def test_recurrent_dropout_mask_multiplies_the_initial_state(kind):
    """h_(-1) enters the first step's product as (h0 ⊙ rmask) @ U, as every later h does
    (Keras); the GRU's direct term z ⊙ h_prev takes the unmasked state, at step 0 as later."""
    layer = make(kind, recurrent_dropout=0.5)
    x = np.random.default_rng(4).normal(size=(B, T, F))
    given = states(kind)
    layer._rng = np.random.default_rng(5)
    y = layer.forward([x, *given], True)
    rmask = layer._rmask.copy()
    assert not np.allclose(rmask, 1.0)
    p = layer.params
    if kind == "GRU":
        xp = x[:, 0] @ p["kernel"] + p["bias"]
        hp = (given[0] * rmask) @ p["recurrent_kernel"] + p["recurrent_bias"]
        z, r = (1 / (1 + np.exp(-(xp + hp)[:, q * H : (q + 1) * H])) for q in (0, 1))
        n = np.tanh(xp[:, 2 * H :] + r * hp[:, 2 * H :])
        want = z * given[0] + (1 - z) * n
    else:
        plain = make(kind)
        want = plain.forward([x, given[0] * rmask, *given[1:]], False)[:, 0]
    np.testing.assert_allclose(y[:, 0], want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_kernels_equal_numpy_twins_with_initial_states(kind, dtype):
    rng = np.random.default_rng(6)
    inputs = [rng.normal(size=(B, T, F)).astype(dtype), *states(kind, dtype)]
    w = rng.normal(size=(B, T, H)).astype(dtype)
    results = []
    for name in ("numba", "numpy"):
        with backend.using(name):
            layer = make(kind, dtype, bptt_steps=3, recurrent_dropout=0.3)
            y, grads, pgrads = run(layer, inputs, w, training=True)
            results.append((y, grads, pgrads))
    assert_backends_agree(results, dtype)


def torch_run(kind, layer, inputs, w):
    """The PyTorch module with our weights, run from (h0[, c0]): (y, [dx, dh0, (dc0)], module)."""
    torch = pytest.importorskip("torch")
    mod = torch_module(kind, layer)
    tx, *ts = (torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in inputs)
    start = tuple(s[None] for s in ts)  # (1, B, H): one layer, one direction
    ty, _ = mod(tx, start if kind == "LSTM" else start[0])
    (ty * torch.from_numpy(np.asarray(w, np.float64))).sum().backward()
    return ty.detach().numpy(), [t.grad.numpy() for t in (tx, *ts)], mod


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("backend_name", ["numba", "numpy"])
def test_initial_states_match_torch(kind, dtype, backend_name):
    pytest.importorskip("torch")
    from tests.engine.test_recurrent import torch_order

    layer = make(kind, dtype)
    rng = np.random.default_rng(7)
    inputs = [rng.normal(size=(B, T, F)).astype(dtype), *states(kind, dtype)]
    w = rng.normal(size=(B, T, H)).astype(dtype)
    with backend.using(backend_name):
        y, grads, pgrads = run(layer, inputs, w)
    ty, tgrads, mod = torch_run(kind, layer, inputs, w)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(y, ty, **tol)
    for name, a, b in zip(("x", "h0", "c0"), grads, tgrads):
        np.testing.assert_allclose(a, b, **tol, err_msg=name)
    np.testing.assert_allclose(torch_order(kind, pgrads["kernel"].T),
                               mod.weight_ih_l0.grad.numpy(), **tol)
    np.testing.assert_allclose(torch_order(kind, pgrads["recurrent_kernel"].T),
                               mod.weight_hh_l0.grad.numpy(), **tol)
    np.testing.assert_allclose(torch_order(kind, pgrads["bias"]), mod.bias_ih_l0.grad.numpy(),
                               **tol)


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_bptt_still_reaches_the_initial_state(kind):
    """Chunks are cut at t = k, 2k, …; the first chunk's gradient flows into h0 (and c0), as
    in a PyTorch loop that detaches the state at those steps (and not at t = 0)."""
    torch = pytest.importorskip("torch")
    k = 2
    layer = make(kind, bptt_steps=k)
    mod = torch_module(kind, layer)
    cls = {"SimpleRNN": torch.nn.RNNCell, "LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}
    cell = cls[kind](F, H).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(mod, name + "_l0"))
    rng = np.random.default_rng(8)
    x, w = rng.normal(size=(B, T, F)), rng.normal(size=(B, T, H))
    given = states(kind)
    _, grads, _ = run(layer, [x, *given], w)
    tx, *ts = (torch.tensor(a, requires_grad=True) for a in (x, *given))
    state, total = tuple(ts), 0
    for t in range(T):
        if t > 0 and t % k == 0:
            state = tuple(s.detach() for s in state)
        out = cell(tx[:, t], state if kind == "LSTM" else state[0])
        state = out if kind == "LSTM" else (out,)
        total = total + (state[0] * torch.from_numpy(w[:, t])).sum()
    total.backward()
    for ours, theirs in zip(grads, (tx, *ts)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert np.abs(grads[1]).max() > 1e-6


@pytest.mark.parametrize("kind", KINDS)
def test_zero_initial_state_is_the_default(kind):
    layer = make(kind)
    x = np.random.default_rng(9).normal(size=(B, T, F))
    y = layer.forward([x], False)
    zeros = [np.zeros((B, H)) for _ in states(kind)]
    np.testing.assert_array_equal(layer.forward([x, *zeros], False), y)
    assert len(layer.backward(np.ones_like(y))) == 1 + len(zeros)


def test_state_of_the_wrong_size_is_explained():
    decoder = create_layer({"kind": "LSTM", "name": "decoder", "units": 64})
    assert decoder.output_shape([(10, 8), (64,), (64,)]) == (64,)
    with pytest.raises(ShapeError) as err:
        decoder.output_shape([(10, 8), (32,)])
    message = str(err.value)
    assert "LSTM 'decoder'" in message and "initial hidden state of 32 values" in message
    assert "64 units" in message and "encoder 64 units" in message
    with pytest.raises(ShapeError, match="initial cell state of 16 values"):
        decoder.output_shape([(10, 8), (64,), (16,)])
    with pytest.raises(ShapeError, match="return_sequences off"):
        decoder.output_shape([(10, 8), (10, 64)])
    gru = create_layer({"kind": "GRU", "name": "g", "units": 4})
    with pytest.raises(ShapeError, match="at most 2 inputs"):
        gru.output_shape([(10, 8), (4,), (4,)])
    assert (gru.min_inputs, gru.max_inputs, decoder.max_inputs) == (1, 2, 3)


def test_state_array_of_the_wrong_size_is_explained_in_forward():
    layer = make("GRU")
    with pytest.raises(ShapeError, match="initial state of 3 values"):
        layer.forward([np.zeros((B, T, F)), np.zeros((B, 3))], False)


def test_bidirectional_takes_no_initial_state():
    bi = create_layer({"kind": "Bidirectional", "name": "bi", "cell": "LSTM", "units": H})
    assert bi.max_inputs == 1


def encoder_decoder_graph(units=H, dec_units=H):
    """Input (T, F) -> encoder LSTM (last state) -> decoder LSTM input 2 (h0);
    the same Input -> decoder input 1 (the sequence)."""
    graph = Graph()
    graph.add_node("Input", "x", {"shape": [T, F]})
    graph.add_node("LSTM", "encoder", {"units": units})
    graph.add_node("LSTM", "decoder", {"units": dec_units, "return_sequences": True})
    graph.connect("x", "encoder")
    graph.connect("x", "decoder", 0)
    graph.connect("encoder", "decoder", 1)
    return graph


def test_encoder_state_feeds_decoder_in_a_graph():
    report = encoder_decoder_graph().infer_shapes()
    assert report.ok, report.errors
    assert report.shapes["encoder"] == (H,) and report.shapes["decoder"] == (T, H)
    bad = encoder_decoder_graph(units=2).infer_shapes()
    assert "decoder" in bad.errors and "encoder 4 units" in bad.errors["decoder"]


def test_encoder_decoder_trains_and_the_encoder_learns_through_the_state():
    model = Model(encoder_decoder_graph(), seed=0, dtype=np.float64)
    rng = np.random.default_rng(10)
    x = rng.normal(size=(16, T, F))
    target = np.cumsum(x[..., :1], axis=1) * 0.3 * np.ones((1, 1, H))  # (16, T, H)
    losses = []
    for _ in range(30):
        y = model.forward(x, training=True)
        losses.append(float(np.mean((y - target) ** 2)))
        model.backward(2 * (y - target) / y.size, input_grad=False)
        enc_grad = model.layers["encoder"].grads["kernel"]
        assert np.abs(enc_grad).max() > 0.0  # the gradient crossed into the encoder
        model.params_flat -= 0.5 * model.grads_flat
    assert losses[-1] < 0.7 * losses[0]


def test_state_wired_before_the_sequence_is_explained():
    layer = create_layer({"kind": "LSTM", "name": "decoder", "units": 4})
    with pytest.raises(ShapeError, match="connect the sequence first"):
        layer.output_shape([(4,), (10, 8)])
