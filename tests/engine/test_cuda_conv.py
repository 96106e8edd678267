"""The convolution family on the ``cuda`` backend: each kernel against the CPU engine's numpy
reference (the layer itself under the ``numpy`` backend), and whole training steps of tiny
CNNs (conv, max/avg pooling, flatten, dropout) equal to the CPU engine.

Under numba's CUDA simulator (see ``test_cuda_kernels``): tiny images, one to three steps.
"""


import numpy as np
import pytest

from tests.engine.cuda_helpers import CUDA_MARKS, one_layer

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.cuda import ops  # noqa: E402
from engine.cuda.device_layers import gpu_layers  # noqa: E402
from engine.cuda.placement import gpu_obstacles  # noqa: E402
from engine.cuda.stepper import CudaStepper  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.optimizers import get_optimizer  # noqa: E402
from engine.stepper import GenericStepper  # noqa: E402
from engine.training import TrainConfig  # noqa: E402

RNG = np.random.default_rng(11)


def gpu_pass(model: Model, x: np.ndarray, g: np.ndarray):
    """Forward x (B, ...) and backward g = dLoss/dy through the layer's GPU twin: y, dx and
    the flat parameter gradients (dx is computed: a fake layer sits before it)."""
    twin = gpu_layers([model.layers["layer"]], model.slices)[0]
    d_p, d_g = ops.to_device(model.params_flat), ops.to_device(np.zeros_like(model.grads_flat))
    twin.bind(d_p, d_g)
    n = len(x)
    xb = ops.to_device(np.vstack([x.reshape(n, -1), np.zeros((1, x[0].size), np.float32)]))
    y = twin.forward(xb, n).copy_to_host()[:n]  # a buffer one row wider than the batch
    twin.grad(n + 1)[:n].copy_to_device(np.ascontiguousarray(g.reshape(n, -1)))
    dx = ops.zeros((n + 1, x[0].size))
    twin.backward(xb, n, dx)
    return y, dx.copy_to_host()[:n], d_g.copy_to_host()


def cpu_pass(model: Model, x: np.ndarray, g: np.ndarray):
    layer = model.layers["layer"]
    with backend.using("numpy"):
        y = layer.call(x, True).copy()
        dx = layer.grad(g).copy()
    grads = np.concatenate([layer.grads[k].ravel() for k in layer.grads]) if layer.grads \
        else np.zeros(0, np.float32)
    return y.reshape(len(x), -1), dx.reshape(len(x), -1), grads


@pytest.mark.parametrize("spec", [
    {"kind": "Conv2D", "filters": 3, "kernel_size": [3, 2], "strides": [2, 1],
     "padding": "same", "activation": "tanh"},
    {"kind": "Conv2D", "filters": 2, "kernel_size": [2, 2], "dilation_rate": [2, 1],
     "padding": "valid", "activation": "relu", "use_bias": False},
    {"kind": "MaxPool2D", "pool_size": [2, 3], "strides": [2, 2], "padding": "same"},
    {"kind": "MaxPool2D", "pool_size": [2, 2], "strides": [1, 1]},
    {"kind": "AvgPool2D", "pool_size": [2, 2], "strides": [1, 2], "padding": "same"},
], ids=["conv-stride-same", "conv-dilated-nobias", "maxpool-same", "maxpool-overlap",
        "avgpool-same"])
def test_kernel_forward_and_backward_match_the_numpy_reference(spec):
    """2 samples of 2×5×4 images (odd sizes cross every padding edge)."""
    model = one_layer(spec, [2, 5, 4])
    x = RNG.standard_normal((2, 2, 5, 4)).astype(np.float32)
    if spec["kind"] == "MaxPool2D":  # a tie in a window: the first maximum gets the gradient
        x[0, 0, 0, :2] = 1.5
    g = RNG.standard_normal((2, *model.layers["layer"].output_shape([(2, 5, 4)]))).astype(
        np.float32)
    y, dx, grads = gpu_pass(model, x, g)
    y_ref, dx_ref, grads_ref = cpu_pass(model, x, g)
    np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads, grads_ref, rtol=1e-5, atol=1e-6)


def cnn(pool: str, dropout: float) -> Graph:
    return Graph.sequential([
        {"kind": "Input", "shape": [1, 5, 5]},
        {"kind": "Conv2D", "name": "conv", "filters": 2, "kernel_size": [3, 3],
         "padding": "same", "activation": "relu", "l2": 0.01},
        {"kind": pool, "name": "pool", "pool_size": [2, 2]},
        {"kind": "Conv2D", "name": "conv2", "filters": 2, "kernel_size": [2, 2],
         "activation": "elu"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dropout", "name": "drop", "rate": dropout},
        {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"},
    ])


@pytest.mark.parametrize("pool, dropout", [("MaxPool2D", 0.4), ("AvgPool2D", 0.0)])
def test_a_tiny_cnn_trains_the_same_on_the_gpu_as_on_the_cpu(pool, dropout):
    """Two chunks (3 steps, the last batch short) of Adam with L2 on the first conv: losses,
    weights and gradients equal the generic CPU stepper's; with dropout both engines draw
    the same masks from the same seed."""
    x = RNG.standard_normal((7, 1, 5, 5)).astype(np.float32)
    labels = RNG.integers(0, 3, 7)
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        model = Model(cnn(pool, dropout), seed=2)
        model.set_logits_mode(True)
        loss = get_loss("categorical_crossentropy", from_logits=True)
        optimizer, config = get_optimizer("adam", learning_rate=0.01), TrainConfig()
        assert gpu_obstacles(model, loss, optimizer, config) == []
        stepper = stepper_cls(model, loss, optimizer, config)
        first = stepper.run(x, labels, [np.arange(3), np.arange(3, 6)])
        second = stepper.run(x, labels, [np.array([6, 0])])
        runs.append((first, second, model.params_flat.copy(), model.grads_flat.copy()))
    for cpu, gpu in zip(*runs):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-6)
