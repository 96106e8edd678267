"""BatchNormalization, LayerNormalization, SpatialDropout2D: training-mode gradients, worked
numbers, running statistics, non-trainable state in models and saved projects."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.layers import create_layer
from engine.model import Model
from engine.project import load_weights, save_weights
from engine.types import ShapeError
from tests.engine.gradcheck import assert_close, numeric_grad

SHAPES = [(4,), (3, 4), (2, 3, 3)]


def built(kind, shape, dtype=np.float64, seed=0, **options):
    layer = create_layer({"kind": kind, "name": "n", **options})
    layer.build([shape], np.random.default_rng(seed), dtype)
    rng = np.random.default_rng(seed + 1)
    for value in layer.params.values():
        value[...] = rng.normal(1.0, 0.5, value.shape)
    return layer


@pytest.mark.parametrize("kind", ["BatchNormalization", "LayerNormalization"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", [{}, {"center": False}, {"scale": False}])
def test_training_mode_gradients_match_finite_differences(kind, shape, options):
    layer = built(kind, shape, **options)
    rng = np.random.default_rng(3)
    x = rng.normal(0.5, 2.0, (5, *shape))
    weights = rng.normal(size=x.shape)

    def loss() -> float:
        return float(np.sum(layer.forward([x], training=True) * weights))

    loss()
    grad_x = layer.backward(weights)[0]
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    assert_close(grad_x, numeric_grad(loss, x), rtol=1e-5, atol=1e-7, what="input")
    for key, value in layer.params.items():
        assert_close(analytic[key], numeric_grad(loss, value), rtol=1e-5, atol=1e-7, what=key)


def test_batch_norm_worked_example():
    """Feature values 1, 2, 3 over a batch of 3: mean 2, biased variance 2/3."""
    layer = built("BatchNormalization", (1,), epsilon=1e-8, momentum=0.9)
    layer.params["gamma"][...] = 2.0
    layer.params["beta"][...] = 0.5
    y = layer.forward([np.array([[1.0], [2.0], [3.0]])], training=True)
    s = np.sqrt(2 / 3 + 1e-8)
    np.testing.assert_allclose(y[:, 0], [2 * -1 / s + 0.5, 0.5, 2 * 1 / s + 0.5])
    np.testing.assert_allclose(layer.state["moving_mean"], [0.9 * 0 + 0.1 * 2])
    np.testing.assert_allclose(layer.state["moving_variance"], [0.9 * 1 + 0.1 * 2 / 3])
    # inference: the running statistics, not the batch's
    y = layer.forward([np.array([[1.0]])], training=False)
    np.testing.assert_allclose(y, [[2 * (1 - 0.2) / np.sqrt(0.9 + 0.2 / 3 + 1e-8) + 0.5]])


def test_batch_norm_defaults_follow_keras():
    layer = create_layer({"kind": "BatchNormalization"})
    assert layer.config == {"momentum": 0.99, "epsilon": 1e-3, "center": True, "scale": True}
    assert create_layer({"kind": "LayerNormalization"}).config["epsilon"] == 1e-3


@pytest.mark.parametrize("shape,n_params", [((4,), 8), ((3, 4), 8), ((2, 3, 3), 4)])
def test_running_stats_are_state_not_parameters(shape, n_params):
    layer = create_layer({"kind": "BatchNormalization"})
    assert layer.param_count([shape]) == n_params
    assert layer.state_count([shape]) == n_params
    layer.build([shape], np.random.default_rng(0))
    assert set(layer.params) == {"gamma", "beta"}
    assert set(layer.state) == {"moving_mean", "moving_variance"}
    np.testing.assert_array_equal(layer.state["moving_variance"], 1.0)
    ln = create_layer({"kind": "LayerNormalization", "center": False})
    assert ln.param_count([shape]) == n_params // 2 and ln.state_count([shape]) == 0


def test_inference_gradient_is_per_feature_affine():
    layer = built("BatchNormalization", (3,))
    layer.state["moving_variance"][...] = [4.0, 1.0, 0.25]
    layer.forward([np.zeros((2, 3))], training=False)
    g = layer.backward(np.ones((2, 3)))[0]
    np.testing.assert_allclose(g, np.broadcast_to(layer.params["gamma"] / np.sqrt(
        np.array([4.0, 1.0, 0.25]) + 1e-3), (2, 3)))


def test_layer_norm_normalizes_each_sample():
    x = np.random.default_rng(0).normal(3.0, 5.0, (4, 2, 3, 3))
    layer = create_layer({"kind": "LayerNormalization", "epsilon": 1e-8})
    layer.build([(2, 3, 3)], np.random.default_rng(0), np.float64)
    y = layer.forward([x], training=True)
    np.testing.assert_allclose(y.reshape(4, -1).mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(y.reshape(4, -1).std(axis=1), 1, atol=1e-6)
    np.testing.assert_array_equal(layer.forward([x], training=False), y)


def test_wrong_shapes_are_explained():
    with pytest.raises(ShapeError, match="images"):
        create_layer({"kind": "SpatialDropout2D"}).output_shape([(8,)])
    with pytest.raises(ShapeError, match="vectors"):
        create_layer({"kind": "BatchNormalization"}).output_shape([(1, 2, 3, 4)])


def test_spatial_dropout_drops_whole_channels():
    layer = create_layer({"kind": "SpatialDropout2D", "rate": 0.5})
    layer.build([(16, 3, 3)], np.random.default_rng(0))
    x = np.ones((64, 16, 3, 3), np.float32)
    y = layer.forward([x], training=True)
    per_channel = y.reshape(64, 16, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # all or nothing
    assert set(np.unique(y)) == {0.0, 2.0}  # inverted: survivors scaled by 1/(1 − rate)
    assert 0.4 < np.mean(y == 0) < 0.6
    g = layer.backward(np.ones_like(y))[0]
    np.testing.assert_array_equal(g, y)
    np.testing.assert_array_equal(layer.forward([x], training=False), x)


def bn_model(seed=0):
    graph = Graph.sequential([
        {"kind": "Input", "shape": [2, 3, 3]}, {"kind": "BatchNormalization", "name": "bn"},
        {"kind": "Flatten"}, {"kind": "Dense", "units": 4, "activation": "relu"},
        {"kind": "BatchNormalization", "name": "bn2"}, {"kind": "Dense", "units": 2}])
    return Model(graph, seed=seed)


def test_model_keeps_state_out_of_the_optimizer_and_saves_it(tmp_path):
    model = bn_model()
    assert model.n_params == 4 + (18 * 4 + 4) + 8 + (4 * 2 + 2)
    assert model.n_state == 4 + 8
    rng = np.random.default_rng(0)
    for _ in range(3):
        model.forward(rng.normal(2.0, 3.0, (16, 2, 3, 3)), training=True)
    assert not np.allclose(model.layers["bn"].state["moving_mean"], 0)
    weights = model.get_weights()
    assert "bn/state:moving_mean" in weights and "bn2/state:moving_variance" in weights
    path = tmp_path / "w.layerlab.npz"
    save_weights(path, weights)
    x = rng.normal(2.0, 3.0, (5, 2, 3, 3))
    expected = model.forward(x, training=False).copy()
    fresh = bn_model(seed=1)
    assert not np.allclose(fresh.forward(x, training=False), expected)
    loaded = fresh.set_weights(load_weights(path)[0], strict=True)
    assert len(loaded) == len(weights)
    np.testing.assert_array_equal(fresh.forward(x, training=False), expected)


def test_training_updates_state_and_parameters_separately():
    from engine.datasets.base import Dataset
    from engine.training import TrainConfig, Trainer

    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, (64, 2, 3, 3)).astype(np.float32)
    y = (x.reshape(64, -1).mean(axis=1) > 1.0).astype(np.int64)
    data = Dataset("t", x, y, x[:8], y[:8], "classification", 2, (2, 3, 3), 2, [], ["0", "1"],
                   "")
    model = bn_model()
    trainer = Trainer(model, data, TrainConfig(epochs=2, batch_size=16))
    list(trainer.run())
    state = model.layers["bn"].state
    assert np.all(np.isfinite(model.params_flat))
    # after 8 batches of momentum 0.99 the running mean moved 1 − 0.99⁸ of the way to ~1
    assert 0.04 < state["moving_mean"].mean() < 0.12


def test_early_stopping_restores_running_statistics_too():
    from engine.datasets import load_dataset
    from engine.training import TrainConfig, Trainer

    data = load_dataset({"name": "moons", "n_samples": 80, "noise": 0.3})
    graph = Graph.sequential([
        {"kind": "Input", "shape": [2]}, {"kind": "Dense", "units": 16, "activation": "relu"},
        {"kind": "BatchNormalization", "momentum": 0.5},
        {"kind": "Dense", "units": 2, "activation": "softmax"}])
    config = TrainConfig(epochs=300, batch_size=8, early_stopping=True, patience=3,
                         optimizer_options={"learning_rate": 0.05})
    trainer = Trainer(Model(graph), data, config)
    snaps = list(trainer.run())
    assert snaps[-1].event == "early_stopped"
    best = min(trainer.history["val_loss"])
    now = trainer.evaluate(data.x_val, trainer.y_val, data.y_val)["loss"]
    assert now == pytest.approx(best, rel=1e-6)
