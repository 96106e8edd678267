"""Graph editing, topological order and learner-readable shape inference."""

import pytest

from engine.graph import Graph
from engine.types import ConfigError, GraphError


def mlp() -> Graph:
    return Graph.sequential([
        {"kind": "Input", "name": "in", "shape": [2]},
        {"kind": "Dense", "name": "hidden1", "units": 8, "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": 1, "activation": "sigmoid"},
    ])


def test_shapes_and_parameter_counts():
    report = mlp().infer_shapes()
    assert report.ok
    assert report.shapes == {"in": (2,), "hidden1": (8,), "out": (1,)}
    assert report.params == {"in": 0, "hidden1": 24, "out": 9}
    assert report.total_params == 33


@pytest.mark.parametrize("fan_in,units,expected", [(10, 32, 352), (784, 1, 785)])
def test_dense_parameter_counts_worked_examples(fan_in, units, expected):
    g = Graph.sequential([{"kind": "Input", "shape": [fan_in]}, {"kind": "Dense", "units": units}])
    assert g.infer_shapes().total_params == expected


def test_dense_on_image_says_add_flatten():
    g = Graph.sequential([
        {"kind": "Input", "name": "img", "shape": [8, 28, 28]},
        {"kind": "Dense", "name": "hidden1", "units": 4},
    ])
    report = g.infer_shapes()
    message = report.errors["hidden1"]
    assert "Dense 'hidden1' expects a flat vector" in message
    assert "8×28×28" in message and "Flatten" in message
    assert report.bad_edges


def test_flatten_fixes_it():
    g = Graph.sequential([
        {"kind": "Input", "shape": [8, 28, 28]}, {"kind": "Flatten"}, {"kind": "Dense", "units": 4},
    ])
    assert g.infer_shapes().ok
    assert g.infer_shapes().shapes["flatten_1"] == (6272,)


def test_dangling_layer_is_reported_not_raised():
    g = mlp()
    g.add_node("Dense", "lonely", {"units": 3})
    report = g.infer_shapes()
    assert "needs an input" in report.errors["lonely"]


def test_add_with_mismatched_shapes_explains():
    g = Graph()
    g.add_node("Input", "in", {"shape": [4]})
    g.add_node("Dense", "a", {"units": 3})
    g.add_node("Dense", "b", {"units": 5})
    g.add_node("Add", "sum")
    for src, dst in [("in", "a"), ("in", "b"), ("a", "sum"), ("b", "sum")]:
        g.connect(src, dst)
    assert "same shape" in g.infer_shapes().errors["sum"]


def test_concatenate_joins_features():
    g = Graph()
    g.add_node("Input", "in", {"shape": [4]})
    g.add_node("Dense", "a", {"units": 3})
    g.add_node("Dense", "b", {"units": 5})
    g.add_node("Concatenate", "cat")
    for src, dst in [("in", "a"), ("in", "b"), ("a", "cat"), ("b", "cat")]:
        g.connect(src, dst)
    assert g.infer_shapes().shapes["cat"] == (8,)


def test_refused_connections():
    g = mlp()
    assert "loop" in g.check_connection("out", "hidden1")
    assert "Input" in g.check_connection("hidden1", "in")
    assert "feed itself" in g.check_connection("out", "out")
    g.add_node("Dense", "extra", {"units": 2})
    assert "already has" in g.check_connection("extra", "hidden1")
    with pytest.raises(GraphError):
        g.connect("extra", "hidden1")


def test_cycle_detected_in_order():
    g = mlp()
    from engine.graph import Edge

    g.edges.append(Edge("out", "hidden1", 1))  # forced, bypassing check_connection
    with pytest.raises(GraphError, match="loop"):
        g.topological_order()
    assert "(graph)" in g.infer_shapes().errors


def test_round_trip_and_undo_helpers():
    g = mlp()
    again = Graph.from_dict(g.to_dict())
    assert again.to_dict() == g.to_dict()
    node, edges = g.remove_node("hidden1")
    assert len(edges) == 2 and "hidden1" not in g.nodes
    g.insert_node(node, edges)
    assert g.to_dict()["edges"] == again.to_dict()["edges"]


def test_bad_option_is_config_error():
    with pytest.raises(ConfigError, match="units"):
        Graph().add_node("Dense", options={"units": "many"})
    with pytest.raises(ConfigError, match="Known types"):
        Graph().add_node("Dens")


def test_unique_names():
    g = Graph()
    assert g.add_node("Dense").name == "dense_1"
    assert g.add_node("Dense").name == "dense_2"
    assert g.add_node("LeakyReLU").name == "leaky_relu_1"


def test_a_gap_in_the_input_ports_is_reported():
    """Deleting an LSTM's h0 wire while its c0 wire stays must not read c0 as h0."""
    g = Graph()
    g.add_node("Input", "x", {"shape": [5, 3]})
    g.add_node("LSTM", "enc", {"units": 4})
    g.add_node("LSTM", "dec", {"units": 4})
    g.connect("x", "enc")
    g.connect("x", "dec")
    h0 = g.connect("enc", "dec")
    g.add_node("Dense", "c_state", {"units": 4})
    g.connect("enc", "c_state")
    g.connect("c_state", "dec")
    assert g.infer_shapes().ok
    g.disconnect(h0)
    report = g.infer_shapes()
    assert "'initial c' input but none into its 'initial h' input" in report.errors["dec"]
    assert g.connect("enc", "dec").port == 1  # a new wire fills the gap
    assert g.infer_shapes().ok
