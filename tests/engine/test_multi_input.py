"""Models with several Input layers, each receiving a named part of a packed sample."""

import numpy as np
import pytest

from engine.datasets import load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.project import load_project
from engine.training import TrainConfig, Trainer, check_data_fits
from engine.types import DataError, GraphError


def two_input_graph(part_a: str = "a", part_b: str = "b") -> Graph:
    """a: (3,) -> Dense 4 ┐
       b: (2, 2) -> Flatten -> Dense 4 ┴ Add -> Dense 2"""
    g = Graph()
    g.add_node("Input", "in_a", {"shape": [3], "part": part_a})
    g.add_node("Input", "in_b", {"shape": [2, 2], "part": part_b})
    g.add_node("Dense", "da", {"units": 4, "activation": "tanh"})
    g.add_node("Flatten", "flat")
    g.add_node("Dense", "db", {"units": 4, "activation": "tanh"})
    g.add_node("Add", "add")
    g.add_node("Dense", "out", {"units": 2})
    for a, b in [("in_a", "da"), ("in_b", "flat"), ("flat", "db"), ("da", "add"),
                 ("db", "add"), ("add", "out")]:
        g.connect(a, b)
    return g


def test_packed_forward_equals_dict_forward():
    model = Model(two_input_graph(), dtype=np.float64)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 2, 2))
    packed = np.concatenate([a, b.reshape(5, 4)], 1)
    assert model.input_shape == (7,)
    y_dict = model.forward({"in_a": a, "in_b": b}).copy()
    np.testing.assert_allclose(model.forward(packed), y_dict)


def test_bind_parts_follows_the_dataset_order():
    model = Model(two_input_graph(), dtype=np.float64)
    model.bind_parts([("b", (2, 2)), ("a", (3,))])  # the dataset packs b first
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 2, 2))
    y = model.forward(np.concatenate([b.reshape(2, 4), a], 1)).copy()
    np.testing.assert_allclose(y, model.forward({"in_a": a, "in_b": b}))


def test_packed_input_gradient_matches_finite_differences():
    model = Model(two_input_graph(), dtype=np.float64)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 7))
    w = rng.normal(size=(3, 2))
    model.forward(x)
    grad = model.backward(w.copy())
    assert grad.shape == x.shape
    eps, numeric = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (np.sum(model.forward(up) * w) - np.sum(model.forward(down) * w)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_two_inputs_need_a_part_each():
    with pytest.raises(GraphError, match="Receives.*missing on in_b"):
        Model(two_input_graph("a", ""))
    with pytest.raises(GraphError, match="same part 'a'"):
        Model(two_input_graph("a", "a"))


def test_data_must_have_the_parts():
    data = load_dataset({"name": "dates", "layout": "encoder-decoder", "n_samples": 40})
    g = two_input_graph("source", "answer")
    model = Model(g)
    with pytest.raises(DataError, match="'in_a'.*expects 3.*set its shape to 20"):
        check_data_fits(model, data)
    g.set_options("in_a", {"shape": [20], "part": "source"})
    with pytest.raises(DataError, match="receives the part 'answer'.*'source', 'decoder input'"):
        check_data_fits(Model(g), data)
    plain = load_dataset({"name": "dates", "n_samples": 40})
    assert plain.input_parts == []
    with pytest.raises(DataError, match="gives whole samples"):
        check_data_fits(Model(g), plain)


def test_one_input_may_read_one_part_only():
    data = load_dataset({"name": "dates", "layout": "encoder-decoder", "n_samples": 40})
    g = Graph.sequential([{"kind": "Input", "shape": [10], "part": "decoder input"},
                          {"kind": "Embedding", "input_dim": data.n_classes, "output_dim": 4},
                          {"kind": "TimeDistributed", "units": data.n_classes,
                           "activation": "softmax"}])
    model = Model(g)
    check_data_fits(model, data)
    out = model.forward(data.x_train[:3])
    assert out.shape == (3, 10, data.n_classes)
    ids = model.activations_of()[g.input_nodes()[0]]
    np.testing.assert_array_equal(ids, data.x_train[:3, 20:])


def test_encoder_decoder_dates_learns():
    """Encoder LSTM + decoder LSTM + cross-attention (query: decoder, key/value: encoder)."""
    data = load_dataset({"name": "dates", "layout": "encoder-decoder", "n_samples": 1500})
    g = load_project("assets/examples/dates_seq2seq_attention.layerlab.json").graph
    trainer = Trainer(Model(g), data, TrainConfig(epochs=6, batch_size=32,
                                                  optimizer_options={"learning_rate": 0.01}))
    *_, last = trainer.run()
    assert last.metrics["val_accuracy"] > 0.6, last.metrics


def test_dense_chain_reading_one_part_trains_on_its_part_only():
    """The fused Dense-chain stepper must not take the whole packed sample."""
    from engine.datasets.base import Dataset

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 3)), rng.normal(size=(400, 2))
    y = (a[:, 0] > 0).astype(np.int64)
    x = np.concatenate([a, b], 1).astype(np.float32)
    data = Dataset("parts", x[:300], y[:300], x[300:], y[300:], "classification", 2, (5,), 2,
                   [], ["no", "yes"], "", input_parts=[("a", (3,)), ("b", (2,))])
    g = Graph.sequential([{"kind": "Input", "shape": [3], "part": "a"},
                          {"kind": "Dense", "units": 2, "activation": "softmax"}])
    trainer = Trainer(Model(g), data, TrainConfig(epochs=20, batch_size=16,
                                                  optimizer_options={"learning_rate": 0.05}))
    assert type(trainer.stepper).__name__ == "GenericStepper"
    *_, last = trainer.run()
    assert last.metrics["val_accuracy"] > 0.9
