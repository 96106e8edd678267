"""Palette blocks: each expands into ordinary layers that pass shape inference in a Graph.

A block whose layer kinds are not registered fails (a kind that stopped registering must not
hide behind a skip).
"""

import numpy as np
import pytest

from engine.composites import COMPOSITES, UNWIRED_WIDTH, get_composite, insert_block, place
from engine.graph import Graph
from engine.layers import LAYERS
from engine.types import ConfigError

NEEDS = {
    "transformer_encoder": {"MultiHeadAttention", "Add", "LayerNormalization",
                            "TimeDistributed"},
    "transformer_decoder": {"MultiHeadAttention", "Add", "LayerNormalization",
                            "TimeDistributed"},
    "resnet_basic": {"Conv2D", "BatchNormalization", "Activation", "Add"},
    "inception": {"Conv2D", "MaxPool2D", "Concatenate"},
}
# block -> (input shapes, options, expected output shape)
CASES = {
    "transformer_encoder": ([(5, 8)], {"num_heads": 2, "key_dim": 4, "ff_units": 16},
                            (5, 8)),
    "transformer_decoder": ([(5, 8), (7, 6)], {"num_heads": 2, "key_dim": 4, "dropout": 0.1},
                            (5, 8)),
    "resnet_basic": ([(4, 6, 6)], {}, (4, 6, 6)),
    "inception": ([(3, 6, 6)], {"filters_1x1": 2, "filters_3x3": 3, "filters_5x5": 1,
                                "pool_proj": 2}, (8, 6, 6)),
}


def need(key: str) -> None:
    missing = NEEDS[key] - set(LAYERS)
    assert not missing, f"layer kinds not registered: {', '.join(sorted(missing))}"


def test_every_block_has_a_test_case_and_palette_text():
    assert set(COMPOSITES) == set(CASES) == set(NEEDS)
    for block in COMPOSITES.values():
        assert block.name and block.category and block.blurb.endswith(".")
        assert len(block.input_names) == len(CASES[block.key][0])


@pytest.mark.parametrize("key", sorted(CASES))
def test_block_expands_into_a_graph_that_passes_shape_inference(key):
    need(key)
    shapes, options, expected = CASES[key]
    graph = Graph()
    sources = [graph.add_node("Input", f"in_{i}", {"shape": list(s)}).name
               for i, s in enumerate(shapes)]
    names = insert_block(graph, key, options, sources, origin=(100.0, 50.0))
    sub = get_composite(key).build(options, shapes)
    report = graph.infer_shapes()
    assert report.ok, report.errors
    assert report.shapes[names[sub.exit]] == expected
    assert graph.output_nodes() == [names[sub.exit]]
    assert all(graph.nodes[n].position[1] >= 50.0 for n in names.values())
    assert len(sub.inputs) == len(shapes) and sub.entries[0] in names


@pytest.mark.parametrize("key", sorted(CASES))
def test_a_block_alone_reports_its_unconnected_entries(key):
    need(key)
    shapes, options, _ = CASES[key]
    sub = get_composite(key).build(options, shapes)
    report = sub.to_graph().infer_shapes()
    graph = sub.to_graph()
    fed = {node for ports in sub.inputs for node, _ in ports
           if len(graph.in_edges(node)) < LAYERS[graph.nodes[node].kind].min_inputs}
    # each of them "needs an input"; nothing else is wrong (the decoder's cross-attention
    # already has its query wire, so alone it is valid self-attention)
    assert set(report.errors) == fed and sub.entries[0] in fed


def test_placing_twice_gives_unique_names():
    need("transformer_encoder")
    graph = Graph()
    graph.add_node("Input", "x", {"shape": [4, 8]})
    first = insert_block(graph, "transformer_encoder", {"key_dim": 4}, ["x"])
    second_nodes, _, second = place(graph, get_composite("transformer_encoder").build(
        {"key_dim": 4}, [(4, 8)]))
    assert not set(first.values()) & set(second.values())
    assert first["attention"] == "encoder_1_attention"
    assert second["attention"] == "block_1_attention"  # place() defaults to the "block" prefix


def test_width_comes_from_the_option_or_the_wire():
    need("transformer_encoder")
    block = get_composite("transformer_encoder")
    unwired = block.build({}, None)  # dropped on an empty spot: the default width
    assert next(n for n in unwired.nodes if n.name == "ffn_2").options["units"] == UNWIRED_WIDTH
    assert next(n for n in block.build({}, [(5, 12)]).nodes
                if n.name == "ffn_2").options["units"] == 12
    sub = block.build({"d_model": 12}, None)
    assert next(n for n in sub.nodes if n.name == "ffn_2").options["units"] == 12
    with pytest.raises(ConfigError, match="unknown option"):
        block.build({"heads": 3}, [(4, 8)])


def test_resnet_block_adds_a_projection_when_channels_change():
    need("resnet_basic")
    graph = Graph()
    graph.add_node("Input", "img", {"shape": [3, 8, 8]})
    names = insert_block(graph, "resnet_basic", {"filters": 6, "strides": 2}, ["img"])
    assert "shortcut" in names
    report = graph.infer_shapes()
    assert report.ok, report.errors
    assert report.shapes[names["relu_2"]] == (6, 4, 4)


def test_encoder_block_trains_inside_a_model():
    need("transformer_encoder")
    assert "SequencePooling" in LAYERS, "SequencePooling is not registered"
    from engine.model import Model

    graph = Graph()
    graph.add_node("Input", "x", {"shape": [4, 8]})
    names = insert_block(graph, "transformer_encoder", {"key_dim": 4, "ff_units": 8}, ["x"])
    graph.add_node("SequencePooling", "pool")
    graph.connect(names["norm_2"], "pool")
    graph.add_node("Dense", "out", {"units": 2})
    graph.connect("pool", "out")
    model = Model(graph, seed=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(3, 4, 8))
    y = model.forward(x, training=True)
    assert y.shape == (3, 2)
    model.backward(np.ones_like(y))
    assert np.all(np.isfinite(model.grads_flat)) and np.any(model.grads_flat != 0)
    attn = model.layers[names["attention"]].inspect()["attention_weights"]
    assert attn.shape == (3, 2, 4, 4)
