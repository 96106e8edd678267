"""Conv2D / Conv1D / Conv2DTranspose: worked examples, classic filters, torch oracle, messages."""

import numpy as np
import pytest

from engine import backend
from engine.layers import create_layer
from engine.types import ConfigError, ShapeError

BACKENDS = ("numba", "numpy")


def conv(shape, dtype=np.float32, **options):
    layer = create_layer({"kind": "Conv2D", "name": "conv", **options})
    layer.build([shape], np.random.default_rng(0), dtype)
    return layer


def direct_correlation(img: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of a 2-D image with a 2-D kernel, by plain loops."""
    kh, kw = k.shape
    out = np.zeros((img.shape[0] - kh + 1, img.shape[1] - kw + 1))
    for y in range(out.shape[0]):
        for x in range(out.shape[1]):
            out[y, x] = sum(img[y + i, x + j] * k[i, j] for i in range(kh) for j in range(kw))
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_worked_example_cross_correlation(name):
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]], dtype=np.float32)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float32)
    with backend.using(name):
        layer = conv((1, 5, 5), filters=1, kernel_size=3, use_bias=False)
        layer.params["kernel"][...] = kernel
        y = layer.forward([image[None, None]], training=False)
    np.testing.assert_array_equal(y[0, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


@pytest.mark.parametrize(("shape", "filters", "k", "expected"),
                         [((3, 32, 32), 64, 3, 1792), ((1, 28, 28), 32, 5, 832)])
def test_param_counts(shape, filters, k, expected):
    layer = create_layer({"kind": "Conv2D", "filters": filters, "kernel_size": k})
    assert layer.param_count([shape]) == expected
    assert layer.output_shape([shape]) == (filters, shape[1] - k + 1, shape[2] - k + 1)


CLASSIC = {
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "box_blur": [[1 / 9] * 3] * 3,
    "gaussian_blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
}


@pytest.mark.parametrize("name", BACKENDS)
def test_classic_filters_on_a_digit_equal_direct_loops(name):
    from sklearn.datasets import load_digits

    digit = load_digits().images[3].astype(np.float32) / 16.0  # (8, 8)
    kernels = np.array(list(CLASSIC.values()), dtype=np.float32)  # (6, 3, 3)
    with backend.using(name):
        layer = conv((1, 8, 8), filters=len(kernels), kernel_size=3, use_bias=False)
        layer.params["kernel"][...] = kernels[:, None]
        y = layer.forward([digit[None, None]], training=False)[0]  # (6, 6, 6)
    for f, k in enumerate(kernels):
        np.testing.assert_allclose(y[f], direct_correlation(digit, k), rtol=1e-5, atol=1e-5)
    assert np.abs(y[0]).max() > 0.5  # the digit has vertical edges


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize(("options", "torch_kw"), [
    ({"kernel_size": 3, "strides": 2, "padding": "1"}, {"stride": 2, "padding": 1}),
    ({"kernel_size": [3, 2], "dilation_rate": [2, 1], "padding": "2"},
     {"dilation": (2, 1), "padding": 2}),
    ({"kernel_size": 3, "padding": "same", "activation": "tanh"}, {"padding": "same"}),
    ({"kernel_size": 2, "strides": [1, 3], "activation": "relu"}, {"stride": (1, 3)}),
])
def test_conv2d_matches_torch_forward_and_backward(name, options, torch_kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 9, 10))
    with backend.using(name):
        layer = conv((3, 9, 10), np.float64, filters=4, **options)
        layer.params["bias"][...] = rng.normal(size=4)
        y = layer.forward([x], training=True)
        g = rng.normal(size=y.shape)
        gx = layer.backward(g)[0]
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.params["kernel"].copy(), requires_grad=True)
    tb = torch.tensor(layer.params["bias"].copy(), requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, **torch_kw)
    act = options.get("activation")
    ty = torch.tanh(ty) if act == "tanh" else torch.relu(ty) if act == "relu" else ty
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["kernel"], tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize(("options", "torch_kw"), [
    ({"kernel_size": 3, "strides": 2}, {"stride": 2}),
    ({"kernel_size": [3, 2], "strides": [2, 3], "padding": "1", "output_padding": [1, 2]},
     {"stride": (2, 3), "padding": 1, "output_padding": (1, 2)}),
    ({"kernel_size": 3, "strides": 1, "dilation_rate": 2}, {"dilation": 2}),
])
def test_conv2d_transpose_matches_torch(name, options, torch_kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4, 5))
    with backend.using(name):
        layer = create_layer({"kind": "Conv2DTranspose", "name": "up", "filters": 2, **options})
        layer.build([(3, 4, 5)], np.random.default_rng(0), np.float64)
        layer.params["bias"][...] = rng.normal(size=2)
        y = layer.forward([x], training=True)
        g = rng.normal(size=y.shape)
        gx = layer.backward(g)[0]
    assert y.shape[1:] == layer.output_shape([(3, 4, 5)])
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.params["kernel"].copy(), requires_grad=True)
    tb = torch.tensor(layer.params["bias"].copy(), requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, tb, **torch_kw)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["kernel"], tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_transpose_same_padding_doubles_the_size():
    layer = create_layer({"kind": "Conv2DTranspose", "filters": 3, "kernel_size": 3,
                          "strides": 2, "padding": "same"})
    assert layer.output_shape([(4, 5, 7)]) == (3, 10, 14)


def test_conv1d_is_channels_last_and_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 11, 3))  # (batch, steps, channels)
    layer = create_layer({"kind": "Conv1D", "name": "c1", "filters": 4, "kernel_size": 3,
                          "strides": 2, "dilation_rate": 1, "padding": "1"})
    layer.build([(11, 3)], np.random.default_rng(0), np.float64)
    y = layer.forward([x], training=True)
    assert y.shape == (2, 6, 4) and layer.output_shape([(11, 3)]) == (6, 4)
    g = rng.normal(size=y.shape)
    gx = layer.backward(g)[0]
    tx = torch.tensor(x.transpose(0, 2, 1).copy(), requires_grad=True)
    tw = torch.tensor(layer.params["kernel"].copy(), requires_grad=True)
    ty = torch.nn.functional.conv1d(tx, tw, torch.tensor(layer.params["bias"]), stride=2,
                                    padding=1)
    ty.backward(torch.tensor(g.transpose(0, 2, 1).copy()))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 1), atol=1e-10)
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 1), atol=1e-10)
    np.testing.assert_allclose(layer.grads["kernel"], tw.grad.numpy(), atol=1e-10)


def test_size_error_explains_the_formula():
    layer = create_layer({"kind": "Conv2D", "name": "conv2", "kernel_size": 5, "strides": 2})
    with pytest.raises(ShapeError) as err:
        layer.output_shape([(8, 3, 3)])
    text = str(err.value)
    assert ("Conv2D 'conv2' with a 5×5 kernel and stride 2 on a 3×3 input gives a size of 0 — "
            "reduce the kernel or add padding") in text
    assert "out = floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1" in text
    assert "floor((3 + 2·0 − 1·(5 − 1) − 1) / 2) + 1 = 0" in text
    padded = create_layer({"kind": "Conv2D", "kernel_size": 5, "strides": 2, "padding": 2})
    assert padded.output_shape([(8, 3, 3)]) == (8, 2, 2)


def test_wrong_input_ranks_say_how_to_fix():
    layer = create_layer({"kind": "Conv2D", "name": "c"})
    with pytest.raises(ShapeError, match=r"flat vector.*Reshape.*1×8×8"):
        layer.output_shape([(64,)])
    with pytest.raises(ShapeError, match="3-D images"):
        layer.output_shape([(1, 2, 8, 8)])
    with pytest.raises(ShapeError, match=r"Reshape.*sequence|sequences"):
        create_layer({"kind": "Conv1D"}).output_shape([(1, 8, 8)])


def test_options_accept_keras_spellings_and_round_trip():
    layer = create_layer({"kind": "Conv2D", "kernel_size": 5, "strides": "2", "padding": 1})
    assert layer.config["kernel_size"] == [5, 5] and layer.config["strides"] == [2, 2]
    assert layer.config["padding"] == "1"
    assert create_layer(layer.get_config()).get_config() == layer.get_config()
    for bad in ({"padding": "full"}, {"kernel_size": [0, 3]}, {"strides": [1, 2, 3]},
                {"activation": "softmax"}):
        with pytest.raises(ConfigError):
            create_layer({"kind": "Conv2D", **bad})


def test_same_padding_output_is_ceil_of_input_over_stride():
    layer = create_layer({"kind": "Conv2D", "filters": 2, "kernel_size": 4, "strides": 3,
                          "padding": "same"})
    assert layer.output_shape([(1, 10, 9)]) == (2, 4, 3)


def test_he_initializer_uses_the_conv_fan_in():
    layer = conv((16, 8, 8), filters=64, kernel_size=3, kernel_initializer="he_normal")
    std = layer.params["kernel"].std()
    assert abs(std - np.sqrt(2.0 / (16 * 9))) < 0.05 * np.sqrt(2.0 / (16 * 9))


def test_small_cnn_learns_digits():
    from engine.datasets.registry import load_dataset
    from engine.graph import Graph
    from engine.model import Model
    from engine.training import TrainConfig, Trainer

    graph = Graph.sequential([
        {"kind": "Input", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same",
         "activation": "relu", "kernel_initializer": "he_uniform"},
        {"kind": "MaxPool2D", "pool_size": 2},
        {"kind": "Flatten"},
        {"kind": "Dense", "units": 10, "activation": "softmax"},
    ])
    data = load_dataset({"name": "digits", "as_image": True, "n_samples": 600})
    trainer = Trainer(Model(graph, seed=0), data,
                      TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.01},
                                  epochs=8, batch_size=32))
    snaps = list(trainer.run())
    losses = trainer.history["train_loss"]
    assert snaps[-1].event == "finished"
    assert losses[-1] < 0.4 * losses[0]
    assert snaps[-1].metrics["val_accuracy"] > 0.8


def test_input_gradient_can_be_skipped_without_changing_weight_gradients():
    x = np.random.default_rng(6).normal(size=(2, 3, 6, 6)).astype(np.float32)
    grads = []
    for needed in (True, False):
        layer = conv((3, 6, 6), filters=4, kernel_size=3, activation="relu")
        layer.input_grad_needed = needed
        y = layer.forward([x], training=True)
        gx = layer.backward(np.ones_like(y))[0]
        grads.append((gx.copy(), layer.grads["kernel"].copy(), layer.grads["bias"].copy()))
    assert np.abs(grads[0][0]).sum() > 0 and not grads[1][0].any()
    np.testing.assert_array_equal(grads[0][1], grads[1][1])
    np.testing.assert_array_equal(grads[0][2], grads[1][2])
