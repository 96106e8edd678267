"""Embedding → recurrent layer fused into a table lookup (engine.layers.token_fusion): the same
outputs and gradients as the unfused path, and no fusion where it would change anything."""

import numpy as np
import pytest

from engine import backend
from engine.graph import Graph
from engine.losses import get_loss
from engine.model import Model

B, T, V, D = 5, 6, 7, 3


def make_model(cell="LSTM", dtype=np.float64, fused=True, emb=None, rnn=None):
    rnn = {"return_sequences": True, **(rnn or {})}
    head = "TimeDistributed" if rnn["return_sequences"] else "Dense"
    layers = [{"kind": "Input", "shape": [T]},
              {"kind": "Embedding", "name": "emb", "input_dim": V, "output_dim": D, **(emb or {})},
              {"kind": cell, "name": "rnn", "units": 4, **rnn},
              {"kind": head, "name": "out", "units": V, "activation": "softmax"}]
    model = Model(Graph.sequential(layers), seed=3, dtype=dtype)
    rng = np.random.default_rng(4)
    model.params_flat[...] = rng.normal(0.0, 0.4, model.params_flat.shape)
    model.set_logits_mode(True)
    if not fused:
        for name in model.token_links:
            model.layers[name].token_source = None
        model.token_links = {}
    return model


def train_grads(model, seed=5, **backward):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V, (B, T)).astype(np.float32)
    out = model.forward(x, training=True)
    y = rng.integers(0, V, out.shape[:-1])
    value, grad = get_loss("categorical_crossentropy", from_logits=True).value_and_grad(out, y)
    model.backward(grad, input_grad=False, **backward)
    return out.copy(), value, model.grads_flat.copy()


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_fused_path_gives_the_unfused_numbers_float64(cell, name):
    with backend.using(name):
        fused, plain = make_model(cell), make_model(cell, fused=False)
        assert fused.token_links == {"rnn": "emb"} and plain.token_links == {}
        for step in range(2):  # the second step reuses every work array
            out_f, loss_f, g_f = train_grads(fused, seed=step)
            out_p, loss_p, g_p = train_grads(plain, seed=step)
            np.testing.assert_allclose(out_f, out_p, rtol=1e-12, atol=1e-12)
            assert loss_f == pytest.approx(loss_p, rel=1e-12)
            np.testing.assert_allclose(g_f, g_p, rtol=1e-10, atol=1e-12)
        assert fused.layers["rnn"]._token_ids is not None  # the table path ran
        assert getattr(plain.layers["rnn"], "_dtable", None) is None


@pytest.mark.parametrize("rnn", [{"return_sequences": False, "bptt_steps": 2},
                                 {"use_bias": False}, {"recurrent_dropout": 0.3},
                                 {"mask_padding": True}])
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "GRU classic"])
def test_fused_path_float32_and_options(cell, rnn):
    if cell == "GRU classic":
        cell, rnn = "GRU", {**rnn, "reset_after": False}
    fused = make_model(cell, dtype=np.float32, rnn=rnn)
    plain = make_model(cell, dtype=np.float32, fused=False, rnn=rnn)
    assert fused.token_links == {"rnn": "emb"}
    out_f, loss_f, g_f = train_grads(fused)
    out_p, loss_p, g_p = train_grads(plain)
    np.testing.assert_allclose(out_f, out_p, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_f, g_p, rtol=1e-4, atol=1e-6)


def test_input_dropout_kept_embedding_gradients_and_probes_take_the_plain_path():
    # input dropout: x ⊙ mask is no table row, the layer projects x itself
    model = make_model(rnn={"dropout": 0.5})
    train_grads(model)
    assert model.layers["rnn"]._token_ids is None
    # a probe that keeps the Embedding's output gradient gets it, with unchanged weights' grads
    fused, plain = make_model(), make_model(fused=False)
    _, _, g_f = train_grads(fused, keep=("emb",))
    _, _, g_p = train_grads(plain, keep=("emb",))
    np.testing.assert_allclose(g_f, g_p, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fused.kept_grads["emb"], plain.kept_grads["emb"], rtol=1e-10,
                               atol=1e-12)
    # input_grad=True (saliency probes): the ids' zero gradient comes back as before
    x = np.zeros((B, T), np.float32)
    fused.forward(x, training=False)
    assert fused.backward(np.ones((B, T, V)), input_grad=True).shape == (B, T)


def test_no_link_where_the_table_would_not_be_the_input():
    assert make_model(emb={"mask_zero": True}).token_links == {}
    shared = Graph.sequential([
        {"kind": "Input", "shape": [T]},
        {"kind": "Embedding", "name": "emb", "input_dim": V, "output_dim": D},
        {"kind": "LSTM", "name": "rnn", "units": D, "return_sequences": True},
        {"kind": "Add", "name": "res"},
        {"kind": "TimeDistributed", "units": V}])
    shared.connect("emb", "res", 1)  # the Embedding's output has a second reader
    assert Model(shared).token_links == {}
