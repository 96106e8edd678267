"""Saliency maps and Grad-CAM: worked linear cases, finite differences, completeness."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.introspection.saliency import grad_cam, integrated_gradients, saliency
from engine.layers.registry import LAYERS
from engine.model import Model
from engine.types import ConfigError


def linear_model(seed=0):
    g = Graph.sequential([{"kind": "Input", "shape": [5]},
                          {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}])
    return Model(g, seed=seed, dtype=np.float64)


def tanh_model(seed=0, dtype=np.float64):
    g = Graph.sequential([{"kind": "Input", "shape": [4]},
                          {"kind": "Dense", "name": "h1", "units": 6, "activation": "tanh"},
                          {"kind": "Dense", "name": "h2", "units": 5, "activation": "sigmoid"},
                          {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}])
    return Model(g, seed=seed, dtype=dtype)


def logits(model, x):
    mode = model.logits_mode
    model.set_logits_mode(True)
    try:
        return model.forward(x[None], training=False)[0].copy()
    finally:
        model.set_logits_mode(mode)


def test_linear_model_gradient_is_the_weight_column():
    model = linear_model()
    x = np.array([0.5, -1.0, 2.0, 0.0, 1.5])
    w = model.layers["out"].params["kernel"]
    res = saliency(model, x, "vanilla", target=2)
    np.testing.assert_allclose(res["attribution"], w[:, 2], rtol=1e-6)
    gxi = saliency(model, x, "grad_x_input", target=2)["attribution"]
    np.testing.assert_allclose(gxi, x * w[:, 2], rtol=1e-6)
    ig = saliency(model, x, "integrated", target=2, steps=4)["attribution"]
    np.testing.assert_allclose(ig, x * w[:, 2], rtol=1e-6)  # exact for a linear score
    sg = saliency(model, x, "smoothgrad", target=2, n=5)["attribution"]
    np.testing.assert_allclose(sg, w[:, 2], rtol=1e-6)  # constant gradient: noise changes nothing


def test_predicted_class_is_explained_by_default():
    model = tanh_model()
    x = np.array([0.3, -0.7, 1.1, 0.2])
    res = saliency(model, x)
    assert int(res["target"]) == int(np.argmax(logits(model, x))) == int(res["predicted"])
    np.testing.assert_allclose(res["probabilities"].sum(), 1.0)


@pytest.mark.parametrize("logits_mode", [False, True])
def test_vanilla_gradient_of_the_logit_matches_finite_differences(logits_mode):
    model = tanh_model(seed=3)
    model.set_logits_mode(logits_mode)
    x, t, h = np.array([0.3, -0.7, 1.1, 0.2]), 1, 1e-6
    numeric = np.array([(logits(model, x + h * e)[t] - logits(model, x - h * e)[t]) / (2 * h)
                        for e in np.eye(4)])
    np.testing.assert_allclose(saliency(model, x, target=t)["attribution"], numeric, atol=1e-7)
    assert model.logits_mode is logits_mode  # restored


def test_integrated_gradients_completeness():
    model = tanh_model(seed=1)
    x = np.array([1.5, -2.0, 0.7, 2.5])
    res = integrated_gradients(model, x, target=0, steps=64)
    delta = res["score"] - res["baseline_score"]
    assert abs(delta) > 0.05  # a case where completeness says something
    assert abs(res["completeness_gap"]) < 1e-3 * abs(delta)
    coarse = integrated_gradients(model, x, target=0, steps=1)
    assert abs(coarse["completeness_gap"]) > abs(res["completeness_gap"])


def test_smoothgrad_with_zero_noise_is_vanilla_and_is_seeded():
    model = tanh_model(seed=2)
    x = np.array([0.3, -0.7, 1.1, 0.2])
    vanilla = saliency(model, x, target=1)["attribution"]
    zero = saliency(model, x, "smoothgrad", target=1, sigma=0.0, n=3)["attribution"]
    np.testing.assert_allclose(zero, vanilla, rtol=1e-6)
    a = saliency(model, x, "smoothgrad", target=1, n=8, seed=4)["attribution"]
    b = saliency(model, x, "smoothgrad", target=1, n=8, seed=4)["attribution"]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, vanilla)


def test_probes_leave_gradients_and_weights_untouched():
    model = tanh_model(dtype=np.float32)
    model.grads_flat[...] = np.arange(model.n_params, dtype=np.float32)
    grads, params = model.grads_flat.copy(), model.params_flat.copy()
    x = np.array([0.3, -0.7, 1.1, 0.2], dtype=np.float32)
    for method in ("vanilla", "grad_x_input", "smoothgrad", "integrated"):
        saliency(model, x, method)
    np.testing.assert_array_equal(model.grads_flat, grads)
    np.testing.assert_array_equal(model.params_flat, params)
    assert model.logits_mode is False


def test_unknown_method_and_class_are_explained():
    model = linear_model()
    with pytest.raises(ConfigError, match="smoothgrad"):
        saliency(model, np.zeros(5), "magic")
    with pytest.raises(ConfigError, match="0 to 2"):
        saliency(model, np.zeros(5), target=7)


def maps_model():
    g = Graph.sequential([{"kind": "Input", "shape": [12]},
                          {"kind": "Dense", "name": "d", "units": 12, "activation": "tanh"},
                          {"kind": "Reshape", "name": "maps", "target_shape": [3, 2, 2]},
                          {"kind": "Flatten", "name": "flat"},
                          {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}])
    return Model(g, seed=5, dtype=np.float64)


def test_grad_cam_on_a_reshaped_layer_matches_the_formula():
    model = maps_model()
    x = np.random.default_rng(0).normal(size=12)
    res = grad_cam(model, x, "maps", target=2)
    model.forward(x[None])
    acts = model.activations_of()["maps"][0]  # (3, 2, 2)
    grads = model.layers["out"].params["kernel"][:, 2].reshape(3, 2, 2)  # d logit / d maps
    alpha = grads.mean(axis=(1, 2))
    cam = np.maximum(np.tensordot(alpha, acts, axes=1), 0)
    np.testing.assert_allclose(res["channel_weights"], alpha, rtol=1e-6)
    np.testing.assert_allclose(res["cam"], cam / cam.max(), rtol=1e-5)
    assert "cam_input" not in res  # the input is a vector, not an image


def test_grad_cam_needs_a_map_layer():
    with pytest.raises(ConfigError, match="C, H, W"):
        grad_cam(maps_model(), np.zeros(12), "d")


def test_grad_cam_on_a_conv_layer_is_upsampled_to_the_image():
    assert "Conv2D" in LAYERS, "Conv2D is not registered"
    g = Graph.sequential([{"kind": "Input", "shape": [1, 6, 6]},
                          {"kind": "Conv2D", "name": "conv", "filters": 2, "kernel_size": [3, 3],
                           "strides": [2, 2], "activation": "relu"},
                          {"kind": "Flatten"},
                          {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}])
    model = Model(g, seed=0, dtype=np.float64)
    x = np.random.default_rng(1).uniform(size=(1, 6, 6))
    res = grad_cam(model, x, "conv")
    assert res["cam"].shape == model.report.shapes["conv"][1:]
    assert res["cam_input"].shape == (6, 6)
    assert res["cam"].min() >= 0 and res["cam"].max() <= 1
    image = saliency(model, x)
    assert image["attribution"].shape == (1, 6, 6) and image["heat"].shape == (6, 6)


def test_grad_cam_of_a_net_that_only_sees_the_left_half_is_zero_on_the_right():
    assert "Conv2D" in LAYERS, "Conv2D is not registered"
    g = Graph.sequential([{"kind": "Input", "shape": [1, 6, 6]},
                          {"kind": "Conv2D", "name": "conv", "filters": 2, "kernel_size": [1, 1],
                           "use_bias": False, "activation": "relu"},
                          {"kind": "Flatten"},
                          {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"}])
    model = Model(g, seed=0, dtype=np.float64)
    model.layers["conv"].params["kernel"][...] = [[[[1.0]]], [[[0.5]]]]
    weights = model.layers["out"].params["kernel"].reshape(2, 6, 6, 2)  # (filter, row, col, k)
    weights[..., 0] = 0.2  # class 0 likes bright pixels wherever it sees them
    x = np.random.default_rng(2).uniform(0.5, 1.0, size=(1, 6, 6))
    x[:, :, 3:] = 0.0  # the network sees only the left half: nothing on the right
    cam = grad_cam(model, x, "conv", target=0)["cam"]  # (6, 6)
    assert cam[:, :3].min() > 0.4
    np.testing.assert_array_equal(cam[:, 3:], 0.0)


@pytest.mark.parametrize("units, activation", [(2, "linear"), (2, "softmax"), (1, "linear"),
                                               (1, "sigmoid"), (1, "tanh")])
def test_two_class_probabilities_agree_with_the_prediction(units, activation):
    """A two-class network's caption reads "predicted 1 (p %)": p is a probability that sums
    to 1 with the other class's and is above one half for the predicted class (a linear
    output's raw scores, e.g. 0.24 and 0.10, were shown as if they were probabilities)."""
    g = Graph.sequential([{"kind": "Input", "shape": [2]},
                          {"kind": "Dense", "name": "h", "units": 8, "activation": "tanh"},
                          {"kind": "Dense", "name": "out", "units": units,
                           "activation": activation}])
    model = Model(g, seed=3, dtype=np.float64)
    for x in np.random.default_rng(0).normal(0, 2, (10, 2)):
        res = saliency(model, x)
        probs, pred = np.asarray(res["probabilities"]), int(res["predicted"])
        assert np.all((probs >= 0) & (probs <= 1))
        p1 = float(probs[0]) if units == 1 else float(probs[1])
        if units == 2:
            assert probs.sum() == pytest.approx(1.0)
        assert (p1 > 0.5) == (pred == 1)
