"""The PyTorch export of ScaledDotProductAttention and of attention padding masks: the exported
module reproduces the engine's outputs (float64, 1e-10) and one step's gradients (1e-5) on the
copy task, whose sequences end in padding (id 0, an all-zero vector after a masking
Embedding); the script's ``attend`` equals the engine's kernel where a query sees no key."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import Graph
from engine.kernels.attention import attend, attend_backward
from tests.engine.export_helpers import example, random_weights
from tests.engine.test_export_torch import check_against_engine, torch_network

torch = pytest.importorskip("torch")

EMBED = {"kind": "Embedding", "name": "vectors", "input_dim": 5, "output_dim": 4,
         "mask_zero": True}


def copy_project(graph):
    project = example("copy_lstm_vs_rnn")
    project.graph = graph
    return project


@pytest.mark.parametrize("causal", [False, True])
def test_masked_multi_head_and_dot_product_attention(causal, tmp_path):
    """tokens -> masking embedding -> masked multi-head self-attention -> masked dot-product
    attention (queries from the attention, keys from the embedding, values from a projection
    of it) -> per-token classes."""
    graph = Graph()
    graph.add_node("Input", "tokens", {"shape": [10]})
    graph.add_node(EMBED["kind"], "vectors", {k: v for k, v in EMBED.items()
                                              if k not in ("kind", "name")})
    graph.add_node("MultiHeadAttention", "heads", {"num_heads": 2, "key_dim": 3,
                                                   "mask_padding": True,
                                                   "use_causal_mask": causal})
    graph.add_node("TimeDistributed", "values", {"units": 3, "activation": "tanh"})
    graph.add_node("ScaledDotProductAttention", "look back", {"mask_padding": True,
                                                              "use_causal_mask": causal})
    graph.add_node("TimeDistributed", "answer", {"units": 5, "activation": "softmax"})
    graph.connect("tokens", "vectors")
    graph.connect("vectors", "heads")
    graph.connect("vectors", "values")
    graph.connect("heads", "look back", 0)
    graph.connect("vectors", "look back", 1)
    graph.connect("values", "look back", 2)
    graph.connect("look back", "answer")
    check_against_engine(copy_project(graph), tmp_path)


@pytest.mark.parametrize("wires", [1, 2])
def test_dot_product_attention_with_one_or_two_wires(wires, tmp_path):
    graph = Graph.sequential([
        {"kind": "Input", "name": "tokens", "shape": [10]},
        {**EMBED, "mask_zero": False},
        {"kind": "TimeDistributed", "name": "queries", "units": 4, "activation": "tanh"},
        {"kind": "ScaledDotProductAttention", "name": "attention"},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"},
    ])
    if wires == 2:
        graph.connect("vectors", "attention", 1)  # keys = values = the embedding
    project = copy_project(graph)
    check_against_engine(project, tmp_path)
    script = next(tmp_path.glob("*_torch.py")).read_text()
    assert "def attend(" in script and "attention = attend(" in script


def test_attend_gives_zeros_where_every_key_is_hidden(tmp_path):
    """The script's masked softmax against the engine's kernel, causal and padded, with
    queries that see no key at all (outputs 0, no NaN in the gradients)."""
    graph = Graph.sequential([
        {"kind": "Input", "name": "tokens", "shape": [10]}, EMBED,
        {"kind": "ScaledDotProductAttention", "name": "attention", "mask_padding": True},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"},
    ])
    project = copy_project(graph)
    module, _ = torch_network(project, random_weights(project), tmp_path)
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(3, 2, 4, 3)), rng.normal(size=(3, 2, 5, 3)), \
        rng.normal(size=(3, 2, 5, 2))
    keep = np.array([[0, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=np.uint8)
    out, weights = attend(q, k, v, True, keep)
    assert np.all(out[0, :, :2] == 0) and np.all(out[2] == 0)  # rows that see nothing
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    theirs = module.attend(tq, tk, tv, causal=True, keep=torch.from_numpy(keep.astype(bool)))
    np.testing.assert_allclose(theirs.detach().numpy(), out, rtol=1e-10, atol=1e-12)
    g = rng.normal(size=out.shape)
    (theirs * torch.from_numpy(g)).sum().backward()
    for mine, engine in zip((tq, tk, tv), attend_backward(q, k, v, weights, None, g)):
        assert np.all(np.isfinite(mine.grad.numpy()))
        np.testing.assert_allclose(mine.grad.numpy(), engine, rtol=1e-8, atol=1e-12)
