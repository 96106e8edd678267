"""Graph-shaped networks on the ``cuda`` backend: BatchNormalization, GlobalAveragePool2D,
stand-alone activations and Add against the CPU engine's numpy reference, and whole training
steps of residual networks (``engine.cuda.graph`` walks the DAG) equal to the CPU stepper.

Under numba's CUDA simulator (see ``test_cuda_kernels``): tiny shapes, two or three steps.
"""


import numpy as np
import pytest

from tests.engine.cuda_helpers import CUDA_MARKS, one_layer

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.cuda import ops  # noqa: E402
from engine.cuda.graph import twin_of  # noqa: E402
from engine.cuda.placement import gpu_obstacles  # noqa: E402
from engine.cuda.stepper import CudaStepper  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.optimizers import get_optimizer  # noqa: E402
from engine.stepper import GenericStepper  # noqa: E402
from engine.training import TrainConfig  # noqa: E402

RNG = np.random.default_rng(17)


def gpu_pass(model: Model, x: np.ndarray, g: np.ndarray):
    """Forward and backward through the layer's twin (buffers one row wider than the batch):
    y, dx, the flat parameter gradients and the layer's state afterwards."""
    layer = model.layers["layer"]
    twin = twin_of(layer, model.slices)
    d_p, d_g = ops.to_device(model.params_flat), ops.to_device(np.zeros_like(model.grads_flat))
    twin.bind(d_p, d_g)
    if hasattr(twin, "upload_state"):
        twin.upload_state()
    n = len(x)
    xb = ops.to_device(np.vstack([x.reshape(n, -1), np.zeros((1, x[0].size), np.float32)]))
    y = twin.forward(xb, n).copy_to_host()[:n]
    twin.grad(n + 1)[:n].copy_to_device(np.ascontiguousarray(g.reshape(n, -1)))
    dx = ops.zeros((n + 1, x[0].size))
    twin.backward(xb, n, dx)
    state = {}
    if hasattr(twin, "download_state"):
        twin.download_state()
        state = {k: v.copy() for k, v in layer.state.items()}
    return y, dx.copy_to_host()[:n], d_g.copy_to_host(), state


def cpu_pass(model: Model, x: np.ndarray, g: np.ndarray):
    layer = model.layers["layer"]
    with backend.using("numpy"):
        y = layer.call(x, True).copy()
        dx = layer.grad(g).copy()
    grads = np.concatenate([layer.grads[k].ravel() for k in layer.grads]) if layer.grads \
        else np.zeros(0, np.float32)
    return y.reshape(len(x), -1), dx.reshape(len(x), -1), grads, dict(layer.state)


@pytest.mark.parametrize("spec, shape", [
    ({"kind": "BatchNormalization", "momentum": 0.8}, [2, 3, 2]),
    ({"kind": "BatchNormalization", "center": False, "epsilon": 0.01}, [4]),
    ({"kind": "BatchNormalization", "scale": False, "trainable": False}, [3, 2]),
    ({"kind": "GlobalAveragePool2D"}, [2, 3, 2]),
    ({"kind": "Activation", "activation": "gelu"}, [5]),
    ({"kind": "LeakyReLU", "negative_slope": 0.2}, [2, 3]),
    ({"kind": "ELU", "alpha": 0.5}, [5]),
], ids=["bn-image", "bn-flat-no-beta", "bn-sequence-frozen", "gap", "gelu", "leaky", "elu"])
def test_kernel_forward_and_backward_match_the_numpy_reference(spec, shape):
    """3 samples; a BatchNormalization starts from running averages that are not (0, 1), so
    its update rule (and the frozen layer's inference mode) is checked too."""
    runs = []
    x = (RNG.standard_normal((3, *shape)) * 2 + 0.5).astype(np.float32)
    for pass_ in (cpu_pass, gpu_pass):
        model = one_layer(spec, shape)
        layer = model.layers["layer"]
        for key, value in layer.state.items():
            value[...] = np.linspace(0.5, 1.5, value.size).reshape(value.shape)
        if "gamma" in layer.params:
            layer.params["gamma"][...] = np.linspace(0.5, 2.0, layer.params["gamma"].size)
        out_shape = layer.output_shape([tuple(shape)])
        g = np.random.default_rng(1).standard_normal((3, *out_shape)).astype(np.float32)
        runs.append(pass_(model, x, g))
    (y_ref, dx_ref, grads_ref, state_ref), (y, dx, grads, state) = runs
    np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grads, grads_ref, rtol=1e-5, atol=1e-5)
    for key in state_ref:
        np.testing.assert_allclose(state[key], state_ref[key], rtol=1e-6, atol=1e-7)


def resnet(add_inputs: int = 2) -> Graph:
    """A residual block with batch normalization on 1×4×4 images; ``add_inputs`` 3 adds a
    second branch, so the stem feeds three layers. (No bias before the
    normalization: its gradient is 0 up to rounding, which Adam would blow up to ±lr.)"""
    layers = [
        {"kind": "Input", "name": "image", "shape": [1, 4, 4]},
        {"kind": "Conv2D", "name": "stem", "filters": 2, "kernel_size": [3, 3],
         "padding": "same", "activation": "relu"},
        {"kind": "Conv2D", "name": "c1", "filters": 2, "kernel_size": [3, 3],
         "padding": "same", "activation": "linear", "l2": 0.01, "use_bias": False},
        {"kind": "BatchNormalization", "name": "bn", "momentum": 0.9},
        {"kind": "Activation", "name": "act", "activation": "relu"},
        {"kind": "Add", "name": "add"},
        {"kind": "Activation", "name": "post", "activation": "elu"},
        {"kind": "GlobalAveragePool2D", "name": "gap"},
        {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"},
    ]
    edges = [["image", "stem", 0], ["stem", "c1", 0], ["c1", "bn", 0], ["bn", "act", 0],
             ["act", "add", 0], ["stem", "add", 1], ["add", "post", 0], ["post", "gap", 0],
             ["gap", "out", 0]]
    if add_inputs == 3:  # a second branch from the stem: a 1×1 conv into the Add
        layers.insert(5, {"kind": "Conv2D", "name": "c2", "filters": 2, "kernel_size": [1, 1],
                          "activation": "tanh"})
        edges += [["stem", "c2", 0], ["c2", "add", 2]]
    return Graph.from_dict({"layers": layers, "edges": edges})


@pytest.mark.parametrize("add_inputs", [2, 3])
def test_a_residual_network_trains_the_same_on_the_gpu_as_on_the_cpu(add_inputs):
    """Two chunks (3 steps, the last batch short) of Adam: losses, weights, gradients and
    BatchNormalization's running averages equal the generic CPU stepper's."""
    x = RNG.standard_normal((7, 1, 4, 4)).astype(np.float32)
    labels = RNG.integers(0, 3, 7)
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        model = Model(resnet(add_inputs), seed=4)
        model.set_logits_mode(True)
        loss = get_loss("categorical_crossentropy", from_logits=True)
        optimizer, config = get_optimizer("adam", learning_rate=0.01), TrainConfig()
        assert gpu_obstacles(model, loss, optimizer, config) == []
        stepper = stepper_cls(model, loss, optimizer, config)
        first = stepper.run(x, labels, [np.arange(3), np.arange(3, 6)])
        second = stepper.run(x, labels, [np.array([6, 0])])
        bn = model.layers["bn"].state
        runs.append((first, second, model.params_flat.copy(), model.grads_flat.copy(),
                     bn["moving_mean"].copy(), bn["moving_variance"].copy()))
    for cpu, gpu in zip(*runs):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-6)


def test_layers_with_several_inputs_other_than_the_gpu_merges_keep_the_network_on_the_cpu():
    """Add, Concatenate and MultiHeadAttention take several wires on the GPU; a
    ScaledDotProductAttention with two wires does not."""
    layers = [{"kind": "Input", "name": "x", "shape": [3, 2]},
              {"kind": "TimeDistributed", "name": "a", "units": 2},
              {"kind": "ScaledDotProductAttention", "name": "sdpa"},
              {"kind": "Flatten", "name": "flat"},
              {"kind": "Dense", "name": "out", "units": 1}]
    edges = [["x", "a", 0], ["x", "sdpa", 0], ["a", "sdpa", 1], ["sdpa", "flat", 0],
             ["flat", "out", 0]]
    model = Model(Graph.from_dict({"layers": layers, "edges": edges}), seed=0)
    reasons = gpu_obstacles(model, get_loss("mse"), get_optimizer("sgd"), TrainConfig())
    assert any("'sdpa' (ScaledDotProductAttention): attention layers" in r for r in reasons)
    assert any("other than Add, Concatenate, MultiHeadAttention or Sampling has several "
               "inputs" in r for r in reasons)
