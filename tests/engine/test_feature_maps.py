"""CNN introspection: filters, feature maps of one sample, misclassified images, kernels."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.introspection.feature_maps import (
    PRESETS,
    apply_kernel,
    cnn_probes,
    conv_filters,
    feature_maps,
    misclassified_examples,
    preset_kernel,
)
from engine.model import Model
from engine.types import ConfigError


def small_cnn(extra=()):
    layers = [{"kind": "Input", "name": "input", "shape": [1, 6, 6]},
              {"kind": "Conv2D", "name": "conv1", "filters": 4, "kernel_size": 3,
               "padding": "same", "activation": "relu"},
              *extra,
              {"kind": "MaxPool2D", "name": "pool1", "pool_size": 2},
              {"kind": "Flatten", "name": "flat"},
              {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}]
    return Model(Graph.sequential(layers), seed=1)


def direct_conv(image, kernel):
    """Zero-padded 'same' cross-correlation by explicit loops (odd kernels)."""
    kh, kw = kernel.shape
    ph, pw = kh // 2, kw // 2
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    out = np.zeros_like(image, dtype=np.float64)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = sum(padded[i + a, j + b] * kernel[a, b]
                            for a in range(kh) for b in range(kw))
    return out


def test_conv_filters_are_copies_of_every_conv_kernel():
    model = small_cnn([{"kind": "Conv2D", "name": "conv2", "filters": 2, "kernel_size": 5,
                        "padding": "same"}])
    filters = conv_filters(model)
    assert list(filters) == ["conv1", "conv2"]
    assert filters["conv1"].shape == (4, 1, 3, 3) and filters["conv2"].shape == (2, 4, 5, 5)
    np.testing.assert_array_equal(filters["conv1"], model.layers["conv1"].params["kernel"])
    filters["conv1"][...] = 99.0
    assert not np.any(model.layers["conv1"].params["kernel"] == 99.0)


def test_conv_filters_of_a_dense_network_is_empty():
    model = Model(Graph.sequential([{"kind": "Input", "name": "i", "shape": [3]},
                                    {"kind": "Dense", "name": "d", "units": 2}]))
    assert conv_filters(model) == {}


def test_feature_maps_match_the_layers_and_leave_gradients_alone():
    model = small_cnn([{"kind": "BatchNormalization", "name": "bn"}])
    x = np.random.default_rng(0).normal(size=(1, 6, 6)).astype(np.float32)
    model.grads_flat[...] = 0.5
    before, stats = model.params_flat.copy(), model.get_weights()
    maps = feature_maps(model, x)
    assert list(maps) == ["conv1", "bn", "pool1"]  # image outputs only, in order, no Input
    assert maps["conv1"].shape == (4, 6, 6) and maps["pool1"].shape == (4, 3, 3)
    # conv1 output is relu(kernel ⋆ x + bias), channel by channel
    kernel, bias = model.layers["conv1"].params["kernel"], model.layers["conv1"].params["bias"]
    for f in range(4):
        expected = np.maximum(apply_kernel(x[0], kernel[f, 0]) + bias[f], 0)
        np.testing.assert_allclose(maps["conv1"][f], expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(maps["pool1"], maps["bn"].reshape(4, 3, 2, 3, 2).max(axis=(2, 4)))
    assert np.all(model.grads_flat == 0.5)
    np.testing.assert_array_equal(model.params_flat, before)
    for key, value in model.get_weights().items():  # running statistics untouched
        np.testing.assert_array_equal(value, stats[key])


def test_feature_maps_are_copies_and_check_the_shape():
    model = small_cnn()
    x = np.ones((1, 6, 6), np.float32)
    first = feature_maps(model, x)
    feature_maps(model, np.zeros((1, 6, 6), np.float32))
    assert first["conv1"].max() > 0 or first["conv1"].min() == 0
    assert not np.shares_memory(first["conv1"], model.activations_of()["conv1"])
    with pytest.raises(ConfigError):
        feature_maps(model, np.ones((6, 6)))


def test_misclassified_examples_sorted_with_images():
    model = small_cnn()
    x = np.random.default_rng(2).normal(size=(40, 1, 6, 6)).astype(np.float32)
    probs = model.predict(x)
    labels = (np.argmax(probs, axis=1) + np.arange(40) % 2) % 3  # every odd sample is wrong
    out = misclassified_examples(model, x, labels, limit=10)
    assert len(out["index"]) == 10 and np.all(out["index"] % 2 == 1)
    assert out["n_wrong"] == 20 and out["n_total"] == 40
    assert np.all(np.diff(out["confidence"]) <= 0)
    np.testing.assert_array_equal(out["images"], x[out["index"]])
    np.testing.assert_array_equal(out["predicted"], np.argmax(probs[out["index"]], axis=1))
    np.testing.assert_array_equal(out["true"], labels[out["index"]])
    assert len(misclassified_examples(model, x[:0], labels[:0])["index"]) == 0
    assert misclassified_examples(model, x, labels, max_samples=10)["n_total"] == 10
    ids = np.arange(40) + 100  # x is a subset: report the caller's positions
    np.testing.assert_array_equal(misclassified_examples(model, x, labels, ids=ids)["index"],
                                  misclassified_examples(model, x, labels)["index"] + 100)


def test_cnn_probes_holds_the_documented_keys():
    model = small_cnn()
    x = np.random.default_rng(3).normal(size=(5, 1, 6, 6)).astype(np.float32)
    probes = cnn_probes(model, x[2], index=2, images=x, labels=np.zeros(5, int))
    assert set(probes) == {"cnn_filters", "cnn_maps", "cnn_misclassified"}
    maps = probes["cnn_maps"]
    assert maps["index"] == 2 and maps["split"] == "val"
    np.testing.assert_array_equal(maps["input"], x[2])
    assert list(maps["layers"]) == ["conv1", "pool1"]
    assert set(cnn_probes(model)) == {"cnn_filters"}


@pytest.mark.parametrize("name", list(PRESETS))
def test_apply_kernel_matches_a_direct_loop(name):
    image = np.random.default_rng(4).normal(size=(7, 9))
    kernel = preset_kernel(name)
    np.testing.assert_allclose(apply_kernel(image, kernel), direct_conv(image, kernel),
                               atol=1e-12)


def test_apply_kernel_is_cross_correlation_valid_and_even():
    image = np.arange(20.0).reshape(4, 5)
    k = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])  # picks the right neighbour
    out = apply_kernel(image, k)
    np.testing.assert_array_equal(out[:, :-1], image[:, 1:])
    np.testing.assert_array_equal(out[:, -1], 0)
    assert apply_kernel(image, k, padding="valid").shape == (2, 3)
    even = apply_kernel(image, np.ones((2, 2)))  # extra row/column at the bottom/right
    assert even.shape == (4, 5) and even[0, 0] == image[:2, :2].sum()
    with pytest.raises(ConfigError):
        apply_kernel(image, k, padding="full")
    with pytest.raises(ConfigError):
        apply_kernel(image[None], k)


def test_presets_and_resizing():
    assert PRESETS["Identity"][0].shape == (3, 3)
    assert {"Sobel x (vertical edges)", "Sharpen", "Gaussian blur", "Laplacian (edges)"} \
        <= set(PRESETS)
    big = preset_kernel("Sobel x (vertical edges)", 5)
    assert big.shape == (5, 5) and big[0].sum() == 0 and big[2, 1] == -2
    image = np.random.default_rng(5).normal(size=(6, 6))
    np.testing.assert_allclose(apply_kernel(image, preset_kernel("Identity", 5)), image)
    np.testing.assert_allclose(preset_kernel("Gaussian blur 5×5").sum(), 1.0)
    with pytest.raises(ConfigError):
        preset_kernel("Box blur 5×5", 3)
    with pytest.raises(ConfigError):
        preset_kernel("nope")


def test_runners_work_through_compute_probes():
    from engine.introspection import RUNNERS, ProbeBatch, ProbeState, compute_probes
    from engine.introspection.feature_maps import CNN_RUNNERS

    model = small_cnn()
    x = np.random.default_rng(6).normal(size=(8, 1, 6, 6)).astype(np.float32)
    batch = ProbeBatch(x=x, labels=np.arange(8) % 3, n_classes=3)
    requests = {"cnn_filters": {}, "cnn_maps": {"index": 2},
                "cnn_misclassified": {"limit": 4}}
    saved = dict(RUNNERS)
    RUNNERS.update(CNN_RUNNERS)
    try:
        out = compute_probes(model, batch, requests, ProbeState())
        given = compute_probes(model, batch, {"cnn_maps": {"index": 40, "sample": x[5]}},
                               ProbeState())["cnn_maps"]
        bad = compute_probes(model, batch, {"cnn_maps": {"index": 99}}, ProbeState())
    finally:
        RUNNERS.clear()
        RUNNERS.update(saved)
    assert out["cnn_filters"]["conv1"].shape == (4, 1, 3, 3)
    np.testing.assert_array_equal(out["cnn_maps"]["input"], x[2])
    assert out["cnn_maps"]["split"] == "probe"
    assert len(out["cnn_misclassified"]["index"]) <= 4
    assert out["cnn_misclassified"]["n_total"] == 8
    np.testing.assert_array_equal(given["input"], x[5])
    assert given["index"] == 40 and given["split"] == "val"
    assert "error" in bad["cnn_maps"]


def test_probing_between_steps_does_not_change_training():
    from types import SimpleNamespace

    from engine.training import TrainConfig, Trainer

    rng = np.random.default_rng(7)
    x = rng.normal(size=(48, 1, 6, 6)).astype(np.float32)
    y = (x[:, 0, :3].mean(axis=(1, 2)) > 0).astype(np.int64) + (x[:, 0, 3:].mean() > 0)
    data = SimpleNamespace(name="t", x_train=x[:40], y_train=y[:40], x_val=x[40:], y_val=y[40:],
                           task="classification", n_classes=3, input_shape=(1, 6, 6),
                           output_dim=3, feature_names=[], class_names=["a", "b", "c"],
                           description="", preprocessing={}, features=[], x_train_raw=None,
                           x_val_raw=None, n_train=40, n_val=8)

    def train(probe: bool) -> np.ndarray:
        model = small_cnn([{"kind": "BatchNormalization", "name": "bn"}])
        trainer = Trainer(model, data, TrainConfig(epochs=3, batch_size=8, snapshot_every=2))
        for _ in trainer.run():
            if probe:
                cnn_probes(model, x[0], images=x[40:], labels=y[40:], coder=trainer.coder)
        return model.get_weights()  # parameters and BatchNormalization's running statistics

    with_probes, without = train(True), train(False)
    for key, value in without.items():
        np.testing.assert_array_equal(with_probes[key], value, err_msg=key)
