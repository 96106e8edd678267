"""Every CUDA kernel of the dense family against the CPU engine's numpy reference.

Runs under numba's CUDA simulator (switched on here, before ``numba.cuda`` loads; tiny
shapes: the simulator runs one Python thread per CUDA thread). On a machine with a GPU,
``LAYERLAB_CUDA_TESTS=device pytest -m cuda`` runs the same tests on the device instead.
"""


import numpy as np
import pytest

from tests.engine.cuda_helpers import CUDA_MARKS

pytestmark = CUDA_MARKS

from engine import activations  # noqa: E402
from engine.cuda import ops  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.optimizers import OPTIMIZER_NAMES, clip_by_global_norm, get_optimizer  # noqa: E402

RNG = np.random.default_rng(7)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (True, False), (False, True)])
def test_matmul_small(trans_a, trans_b):
    """4-wide tiles; M and K cross tile edges."""
    a, b = rand(5, 7), rand(7, 3)
    out = ops.zeros((5, 3))
    ops.matmul(ops.to_device(a.T.copy() if trans_a else a),
               ops.to_device(b.T.copy() if trans_b else b), out, trans_a, trans_b)
    np.testing.assert_allclose(out.copy_to_host(), a @ b, rtol=1e-5, atol=1e-5)


def test_matmul_crosses_16_wide_tiles():
    """The GPU's usual 16-wide tiles: edge tiles padded with zeros, K summed over tiles."""
    a, b = rand(17, 18), rand(18, 2)
    out = ops.zeros((17, 2))
    ops.matmul(ops.to_device(a), ops.to_device(b), out, tile=16)
    np.testing.assert_allclose(out.copy_to_host(), a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["linear", "relu", "leaky_relu", "elu", "selu", "softplus",
                                  "silu", "gelu", "hard_sigmoid", "sigmoid", "tanh", "softmax"])
def test_bias_activation_forward_and_backward(name):
    info = activations.get(name)
    z, bias, grad_y = rand(4, 3) * 2, rand(3), rand(4, 3)
    z[0, 0] = -bias[0]  # an input of exactly 0: ReLU's slope there is 0, as on the CPU
    z[1, 0] = 4.0 - bias[0]  # beyond hard_sigmoid's ramp (slope 0 there)
    alpha = info.params.get("alpha", 0.0)
    d_z, d_y = ops.to_device(z), ops.zeros((4, 3))
    ops.bias_act(d_z, ops.to_device(bias), info.act_id, alpha, d_y)
    pre = z + bias
    y = activations.forward(name, pre)
    np.testing.assert_allclose(d_z.copy_to_host(), pre, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(d_y.copy_to_host(), y, rtol=1e-5, atol=1e-6)
    d_g = ops.to_device(grad_y)
    ops.act_backward(d_z, d_y, d_g, info.act_id, alpha)
    np.testing.assert_allclose(d_g.copy_to_host(), activations.backward(name, pre, y, grad_y),
                               rtol=1e-5, atol=1e-6)


def test_bias_gradient_and_gathers():
    g = rand(5, 3)
    out = ops.zeros(3)
    ops.column_sums(ops.to_device(g), out)
    np.testing.assert_allclose(out.copy_to_host(), g.sum(axis=0), rtol=1e-5, atol=1e-6)
    src, idx = rand(6, 2), np.array([4, 0, 5, 0], dtype=np.int64)
    rows = ops.zeros((4, 2))
    ops.gather_rows(ops.to_device(src), ops.to_device(idx), 3, rows)
    np.testing.assert_array_equal(rows.copy_to_host()[:3], src[idx[:3]])
    labels = ops.zeros(4, np.int64)
    ops.gather_labels(ops.to_device(np.arange(10, 16)), ops.to_device(idx), 4, labels)
    np.testing.assert_array_equal(labels.copy_to_host(), np.arange(10, 16)[idx])


@pytest.mark.parametrize("kind", ["mse", "softmax_ce", "sigmoid_bce"])
def test_losses_match_the_cpu_losses(kind):
    out = rand(4, 3)
    labels = np.array([2, 0, 1, 2], dtype=np.int64)
    if kind == "mse":
        target, loss = rand(4, 3), get_loss("mse")
    elif kind == "softmax_ce":
        target, loss = labels, get_loss("categorical_crossentropy", from_logits=True)
    else:
        target = RNG.integers(0, 2, (4, 3)).astype(np.float32)
        loss = get_loss("binary_crossentropy", from_logits=True)
    want, want_grad = loss.value_and_grad(out, np.eye(3, dtype=np.float32)[labels]
                                          if kind == "softmax_ce" else target)
    grad, slots = ops.zeros((4, 3)), ops.zeros(2, np.float64)
    ops.loss_and_grad(kind, ops.to_device(out), ops.to_device(target), 4, grad, slots, 1)
    np.testing.assert_allclose(slots.copy_to_host(), [0.0, want], rtol=1e-5)
    np.testing.assert_allclose(grad.copy_to_host(), want_grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizer_updates_match_the_numpy_references(name):
    """Three steps with weight decay: the GPU update equals ``Optimizer.reference``."""
    options = {"weight_decay": 0.01}
    if name in ("sgd",):
        options.update(momentum=0.5, nesterov=True)
    cpu = get_optimizer(name, **options)
    cpu.use_reference = True
    gpu = get_optimizer(name, **options)
    p, grads = rand(7), [rand(7) for _ in range(3)]
    p_cpu = p.copy()
    d_p = ops.to_device(p)
    state = None
    for t, g in enumerate(grads, start=1):
        cpu.step([p_cpu], [g])
        if state is None:
            state = [ops.to_device(s) for s in gpu._state_for(0, p, g)]
        ops.optimizer_step(name, d_p, ops.to_device(g), state, gpu._scalars(gpu.current_lr(), t))
    np.testing.assert_allclose(d_p.copy_to_host(), p_cpu, rtol=1e-5, atol=1e-6)
    for d, h in zip(state, cpu._state[0]):
        np.testing.assert_allclose(d.copy_to_host(), h, rtol=1e-5, atol=1e-6)


def test_clipping_by_value_then_norm():
    g = rand(9) * 3
    want = np.clip(g, -2.0, 2.0)
    clip_by_global_norm([want], 1.5)
    d_g = ops.to_device(g)
    ops.clip(d_g, 2.0, 1.5, ops.zeros(1, np.float64))
    np.testing.assert_allclose(d_g.copy_to_host(), want, rtol=1e-5, atol=1e-6)


def test_weight_penalty_matches_the_regularizer():
    from engine.regularizers import add_penalty_grad, penalty

    p, g = rand(11), rand(11)
    p[3] = 0.0  # sign(0) = 0: no L1 pull
    want_g = g.copy()
    add_penalty_grad(p[2:9], want_g[2:9], 0.01, 0.05)
    d_g, slots = ops.to_device(g), ops.zeros(1, np.float64)
    ops.penalize(ops.to_device(p), d_g, slice(2, 9), 0.01, 0.05, slots, 0)
    np.testing.assert_allclose(d_g.copy_to_host(), want_g, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(slots.copy_to_host()[0], penalty(p[2:9], 0.01, 0.05), rtol=1e-6)
