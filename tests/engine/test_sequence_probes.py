"""Sequence probes: attention maps, hidden states, gradients through time, generated text."""

from __future__ import annotations

import numpy as np
import pytest

from engine import introspection
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.introspection import ProbeBatch, ProbeState, compute_probes, probe_batch_from
from engine.introspection.sequence_probes import (
    SEQUENCE_RUNNERS,
    input_token_names,
    run_attention,
    run_generate,
    run_hidden_states,
    total_state_grads,
)
from engine.layers import create_layer
from engine.model import Model
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig

T, V = 6, 5


@pytest.fixture(autouse=True)
def sequence_runners(monkeypatch):
    for name, runner in SEQUENCE_RUNNERS.items():
        monkeypatch.setitem(introspection.RUNNERS, name, runner)


def lstm_lm(cell="LSTM", seq=True, vocab=V, steps=T):
    layers = [{"kind": "Input", "name": "tokens", "shape": [steps]},
              {"kind": "Embedding", "name": "embed", "input_dim": vocab, "output_dim": 4},
              {"kind": cell, "name": "rnn", "units": 3, "return_sequences": seq}]
    layers.append({"kind": "TimeDistributed", "name": "out", "units": vocab,
                   "activation": "softmax"} if seq else
                  {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"})
    return Model(Graph.sequential(layers), seed=1)


def attention_model(heads=2):
    layers = [{"kind": "Input", "name": "tokens", "shape": [T]},
              {"kind": "Embedding", "name": "embed", "input_dim": V, "output_dim": 4},
              {"kind": "PositionalEncoding", "name": "pos"},
              {"kind": "MultiHeadAttention", "name": "mha", "num_heads": heads, "key_dim": 3},
              {"kind": "SequencePooling", "name": "pool"},
              {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"}]
    return Model(Graph.sequential(layers), seed=1)


def token_batch(n=8, seed=0):
    x = np.random.default_rng(seed).integers(1, V, (n, T)).astype(np.float32)
    return ProbeBatch(x=x, labels=np.arange(n) % 2, n_classes=2)


def test_attention_maps_are_row_stochastic_with_token_names_and_leave_training_alone():
    model, batch = attention_model(), token_batch()
    model.grads_flat[...] = 0.5
    before = model.params_flat.copy()
    names = ["<pad>", "a", "b", "c", "d"]
    out = run_attention(model, batch, {"index": 3, "tokens": names}, None)
    maps = out["layers"]["mha"]
    assert maps.shape == (2, T, T) and out["index"] == 3
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(out["tokens"], batch.x[3].astype(np.int64))
    assert out["token_names"] == [names[i] for i in batch.x[3].astype(int)]
    # the same map as the layer computes inside a batch pass
    model.forward(batch.x, training=False)
    np.testing.assert_allclose(maps, model.layers["mha"].inspect()["attention_weights"][3],
                               rtol=1e-5, atol=1e-6)
    assert np.all(model.grads_flat == 0.5)
    np.testing.assert_array_equal(model.params_flat, before)


def test_attention_and_hidden_states_explain_what_is_missing():
    res = compute_probes(lstm_lm(), token_batch(), {"attention": {}}, ProbeState())
    assert "MultiHeadAttention" in res["attention"]["error"]
    res = compute_probes(attention_model(), token_batch(), {"hidden_states": {},
                                                            "time_gradients": {}}, ProbeState())
    assert "recurrent layer" in res["hidden_states"]["error"]
    assert "recurrent layer" in res["time_gradients"]["error"]
    res = compute_probes(lstm_lm(), token_batch(), {"hidden_states": {"index": 99}}, ProbeState())
    assert "not in the probe batch" in res["hidden_states"]["error"]


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
def test_hidden_states_and_gates_of_one_sample(cell):
    model, batch = lstm_lm(cell), token_batch()
    out = run_hidden_states(model, batch, {"index": 2}, None)
    h = out["layers"]["rnn"]
    assert h.shape == (T, 3) and out["token_names"] is None
    model.forward(batch.x, training=False)
    np.testing.assert_allclose(h, model.layers["rnn"].h_all[2], rtol=1e-5, atol=1e-6)
    if cell == "SimpleRNN":
        assert "rnn" not in out["gates"]
        return
    gates = out["gates"]["rnn"]
    names = {"LSTM": {"input_gate", "forget_gate", "cell_candidate", "output_gate",
                      "cell_state"}, "GRU": {"update_gate", "reset_gate", "candidate"}}[cell]
    assert set(gates) == names
    sigmoid = "forget_gate" if cell == "LSTM" else "update_gate"
    assert gates[sigmoid].shape == (T, 3)
    assert np.all((gates[sigmoid] >= 0) & (gates[sigmoid] <= 1))


def test_bidirectional_hidden_states_are_in_input_order():
    layers = [{"kind": "Input", "name": "tokens", "shape": [T]},
              {"kind": "Embedding", "name": "embed", "input_dim": V, "output_dim": 4},
              {"kind": "Bidirectional", "name": "bi", "cell": "GRU", "units": 2,
               "return_sequences": True},
              {"kind": "TimeDistributed", "name": "out", "units": V, "activation": "softmax"}]
    model, batch = Model(Graph.sequential(layers), seed=1), token_batch()
    out = run_hidden_states(model, batch, {"index": 0}, None)
    y = model.forward(batch.x[:1], training=False)[0]  # (T, 2·units): [forward, backward]
    y = model.activations_of()["bi"][0]
    np.testing.assert_allclose(out["layers"]["bi/forward"], y[:, :2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["layers"]["bi/backward"], y[:, 2:], rtol=1e-5, atol=1e-6)
    assert set(out["gates"]) == {"bi/forward", "bi/backward"}


def torch_total_grads(cell, x, direct):
    """Oracle: the same recurrence written in torch; h_t.grad after backward of Σ direct·h."""
    torch = pytest.importorskip("torch")
    p = {k: torch.tensor(v.astype(np.float64), requires_grad=True)
         for k, v in cell.params.items()}
    xs, units, k = torch.tensor(x), cell.config["units"], cell.config["bptt_steps"]
    h = torch.zeros(x.shape[0], units, dtype=torch.float64)
    c = torch.zeros_like(h)
    hs = []
    skip = cell.config.get("mask_padding", False)
    for t in range(x.shape[1]):
        if k and t and t % k == 0:
            h, c = h.detach(), c.detach()
        h_old, c_old = h, c
        xp = xs[:, t] @ p["kernel"] + p["bias"]
        hu = h @ p["recurrent_kernel"]
        if cell.kind == "SimpleRNN":
            h = torch.tanh(xp + hu)
        elif cell.kind == "LSTM":
            i, f, g, o = (xp + hu).split(units, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        elif not cell.config["reset_after"]:  # Cho et al.: (r ⊙ h) U_n, no recurrent bias
            z = torch.sigmoid(xp[:, :units] + hu[:, :units])
            r = torch.sigmoid(xp[:, units:2 * units] + hu[:, units:2 * units])
            n = torch.tanh(xp[:, 2 * units:] + (r * h) @ p["recurrent_kernel"][:, 2 * units:])
            h = z * h + (1 - z) * n
        else:
            hu = hu + p["recurrent_bias"]
            z = torch.sigmoid(xp[:, :units] + hu[:, :units])
            r = torch.sigmoid(xp[:, units:2 * units] + hu[:, units:2 * units])
            n = torch.tanh(xp[:, 2 * units:] + r * hu[:, 2 * units:])
            h = z * h + (1 - z) * n
        if skip:  # an all-zero (padding) step carries the state over
            real = torch.tensor(np.any(x[:, t] != 0, axis=1))[:, None]
            h, c = torch.where(real, h, h_old), torch.where(real, c, c_old)
        h.retain_grad()
        hs.append(h)
    sum((hh * torch.tensor(direct[:, t])).sum() for t, hh in enumerate(hs)).backward()
    return np.stack([hh.grad.numpy() for hh in hs], axis=1)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bptt", [0, 2])
def test_total_state_grads_match_autograd(kind, bptt):
    cell = create_layer({"kind": kind, "name": "c", "units": 3, "return_sequences": True,
                         "bptt_steps": bptt})
    cell.build([(5, 2)], np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    for value in cell.params.values():
        value[...] = rng.normal(0.0, 0.6, value.shape)
    x, direct = rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 5, 3))
    cell.forward([x], False)
    ours = total_state_grads(cell, direct)
    np.testing.assert_allclose(ours, torch_total_grads(cell, x, direct), rtol=1e-8, atol=1e-10)


def copy_prepared(cell, length=8):
    layers = [{"kind": "Input", "name": "tokens", "shape": [2 * length]},
              {"kind": "Embedding", "name": "embed", "input_dim": 5, "output_dim": 8},
              {"kind": cell, "name": "rnn", "units": 16, "return_sequences": True},
              {"kind": "TimeDistributed", "name": "out", "units": 5, "activation": "softmax"}]
    dataset = {"name": "copy", "length": length, "vocab_size": 4, "n_samples": 200}
    config = TrainConfig(optimizer="adam", batch_size=16, epochs=1, seed=0)
    return prepare(Project(Graph.sequential(layers), dataset, config))


def test_time_gradients_on_a_copy_task_leave_the_training_gradients_alone():
    prepared = copy_prepared("LSTM")
    model, batch = prepared.model, probe_batch_from(prepared.trainer, size=32)
    model.grads_flat[...] = 0.25
    before = model.params_flat.copy()
    res = compute_probes(model, batch, {"time_gradients": {"limit": 16}}, ProbeState())
    out = res["time_gradients"]
    assert "error" not in out, out
    norms = out["layers"]["rnn"]
    assert norms.shape == (16,) and np.all(norms > 0) and np.isfinite(out["loss"])
    assert np.all(model.grads_flat == 0.25)
    np.testing.assert_array_equal(model.params_flat, before)


def test_time_gradients_fade_backwards_in_a_weak_simple_rnn():
    """Last state only: the gradient reaches h_t only through later steps, so with small
    recurrent weights it shrinks geometrically towards the first step."""
    model = lstm_lm("SimpleRNN", seq=False, steps=12)
    model.layers["rnn"].params["recurrent_kernel"][...] *= 0.3
    batch = token_batch()
    batch.x = np.random.default_rng(0).integers(1, V, (8, 12)).astype(np.float32)
    from engine.losses import get_loss

    batch.loss, batch.y_enc = get_loss("categorical_crossentropy"), np.eye(2)[np.arange(8) % 2]
    res = compute_probes(model, batch, {"time_gradients": {}}, ProbeState())["time_gradients"]
    norms = res["layers"]["rnn"]
    assert norms.shape == (12,)
    assert np.all(np.diff(norms) > 0)  # larger at every later step
    assert norms[0] < 1e-3 * norms[-1]


def test_generate_continues_the_prompt_with_the_vocabulary():
    data = load_dataset({"name": "char_text", "length": 12, "n_samples": 60})
    tokens = input_token_names(data)
    assert tokens == list(data.class_names) and tokens[:2] == ["<pad>", "<unk>"]
    model = lstm_lm(vocab=len(tokens), steps=12)
    batch = ProbeBatch(x=data.x_val[:4].astype(np.float32))
    opts = {"prompt": "the fox", "length": 15, "method": "greedy", "tokens": tokens}
    out = run_generate(model, batch, opts, None)
    assert out["text"].startswith("the fox") and len(out["text"]) == 22
    assert out["prompt"] == "the fox" and out["text"] == out["prompt"] + out["generated"]
    assert run_generate(model, batch, opts, None) == out  # greedy: the same every frame
    sampled = run_generate(model, batch, {**opts, "method": "sample", "temperature": 2.0,
                                          "top_k": 3}, None)
    assert len(sampled["generated"]) == 15 and sampled["method"] == "sample"
    res = compute_probes(attention_model(), batch, {"generate": {"tokens": tokens}},
                         ProbeState())
    assert "next-token model" in res["generate"]["error"]
    res = compute_probes(model, batch, {"generate": {}}, ProbeState())
    assert "vocabulary" in res["generate"]["error"]


def test_input_token_names_of_datasets():
    sentiment = load_dataset({"name": "sentiment", "n_samples": 20})
    names = input_token_names(sentiment)
    assert names is not None and "good" in names and names[0] == "<pad>"
    copy = load_dataset({"name": "copy", "length": 3, "vocab_size": 4, "n_samples": 20})
    assert input_token_names(copy) == ["·", "1", "2", "3", "4"]
    assert input_token_names(load_dataset({"name": "xor"})) is None
    assert input_token_names(None) is None


@pytest.mark.parametrize("seq", [True, False])
def test_time_gradients_of_a_bidirectional_layer_cover_both_directions(seq):
    from engine.losses import get_loss

    layers = [{"kind": "Input", "name": "tokens", "shape": [T]},
              {"kind": "Embedding", "name": "embed", "input_dim": V, "output_dim": 4},
              {"kind": "Bidirectional", "name": "bi", "cell": "LSTM", "units": 2,
               "return_sequences": seq},
              {"kind": "TimeDistributed", "name": "out", "units": V, "activation": "softmax"}
              if seq else {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"}]
    model, batch = Model(Graph.sequential(layers), seed=1), token_batch()
    k = V if seq else 2
    batch.loss = get_loss("categorical_crossentropy")
    steps = (T,) if seq else ()
    batch.y_enc = np.eye(k)[np.arange(8 * (T if seq else 1)) % k].reshape(8, *steps, k)
    out = compute_probes(model, batch, {"time_gradients": {}}, ProbeState())["time_gradients"]
    fw, bw = out["layers"]["bi/forward"], out["layers"]["bi/backward"]
    assert fw.shape == bw.shape == (T,) and np.all(fw > 0) and np.all(bw > 0)
    if not seq:  # last states only: each direction's gradient is largest where it ends
        assert np.argmax(fw) == T - 1 and np.argmax(bw) == 0


@pytest.mark.parametrize("kind,options", [("GRU", {"reset_after": False}),
                                          ("LSTM", {"mask_padding": True}),
                                          ("GRU", {"mask_padding": True}),
                                          ("SimpleRNN", {"mask_padding": True})])
def test_total_state_grads_match_autograd_for_classic_gru_and_skipped_padding(kind, options):
    cell = create_layer({"kind": kind, "name": "c", "units": 3, "return_sequences": True,
                         **options})
    cell.build([(6, 2)], np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(2)
    for value in cell.params.values():
        value[...] = rng.normal(0.0, 0.6, value.shape)
    x, direct = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 6, 3))
    x[0, :2] = 0.0  # pre-padding
    x[1, 4:] = 0.0  # post-padding
    x[2, 3] = 0.0  # a gap
    cell.forward([x], False)
    ours = total_state_grads(cell, direct)
    np.testing.assert_allclose(ours, torch_total_grads(cell, x, direct), rtol=1e-8, atol=1e-10)
