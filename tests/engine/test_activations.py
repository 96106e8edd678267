"""Tests of engine.activations and its numba kernels: kernel == numpy reference, finite
differences, worked values, softmax stability, aliases and learner-readable errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import activations as A
from engine.kernels import activations as K
from engine.types import ConfigError, TrainingError
from tests.engine.gradcheck import assert_close, numeric_grad

DTYPES = [np.float32, np.float64]
DIFFERENTIABLE = [n for n in A.NAMES if n != "step"]
ELEMENTWISE = [n for n in A.NAMES if n != "softmax"]


def _inputs(dtype: type, shape: tuple[int, ...] = (6, 9), seed: int = 0) -> np.ndarray:
    """Random values in [-6, 6] plus the kinks 0, ±3 and large magnitudes, C-contiguous."""
    x = np.random.default_rng(seed).uniform(-6, 6, size=shape)
    x.flat[:6] = [0.0, -3.0, 3.0, 40.0, -40.0, 1e-3]
    return x.astype(dtype)


def _smooth_inputs(shape: tuple[int, ...], seed: int = 1) -> np.ndarray:
    """float64 values at least 0.05 away from every kink (0, ±3), for finite differences."""
    x = np.random.default_rng(seed).uniform(-5, 5, size=shape)
    for kink in (0.0, -3.0, 3.0):
        near = np.abs(x - kink) < 0.05
        x[near] = kink + 0.1 * np.sign(x[near] - kink + 1e-12)
    return x


def _tol(dtype: type) -> dict[str, float]:
    return {"rtol": 2e-5, "atol": 2e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


# -- kernels vs numpy references -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", A.NAMES)
def test_forward_kernel_matches_reference(name: str, dtype: type) -> None:
    info = A.get(name)
    alpha = info.params.get("alpha", 0.0)
    x = _inputs(dtype)
    got, want = x.copy(), x.copy()
    K.act_forward_inplace(got, info.act_id, alpha)
    K.act_forward_ref(want, info.act_id, alpha)
    assert got.dtype == dtype
    assert_close(got, want, **_tol(dtype), what=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", A.NAMES)
def test_backward_kernel_matches_reference(name: str, dtype: type) -> None:
    info = A.get(name)
    alpha = info.params.get("alpha", 0.0)
    z = _inputs(dtype)
    y = K.act_forward_ref(z.copy(), info.act_id, alpha)
    g0 = np.random.default_rng(5).normal(size=z.shape).astype(dtype)
    got, want = g0.copy(), g0.copy()
    K.act_backward_inplace(z, y, got, info.act_id, alpha)
    K.act_backward_ref(z, y, want, info.act_id, alpha)
    assert got.dtype == dtype
    assert_close(got, want, **_tol(dtype), what=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", A.NAMES)
def test_bias_act_forward_matches_reference_and_keeps_z(name: str, dtype: type) -> None:
    info = A.get(name)
    alpha = info.params.get("alpha", 0.0)
    xw = _inputs(dtype, seed=3)
    b = np.random.default_rng(4).normal(size=xw.shape[1]).astype(dtype)
    z_got, z_want = xw.copy(), xw.copy()
    out_got, out_want = np.empty_like(xw), np.empty_like(xw)
    K.bias_act_forward(z_got, b, info.act_id, alpha, out_got)
    K.bias_act_forward_ref(z_want, b, info.act_id, alpha, out_want)
    assert_close(z_got, xw + b, **_tol(dtype), what="pre-activation written back")
    assert_close(out_got, out_want, **_tol(dtype), what=name)


def test_kernels_reject_an_unknown_activation_id() -> None:
    with pytest.raises(ValueError):
        K.act_forward_inplace(np.zeros((2, 2)), 99, 0.0)


# -- gradients -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_backward_matches_finite_differences(name: str) -> None:
    x = _smooth_inputs((2, 3, 4))  # 3-D: softmax must act on the last axis only
    w = np.random.default_rng(2).normal(size=x.shape)  # loss = Σ w ⊙ f(x)
    y = A.forward(name, x)
    grad = A.backward(name, x, y, w)
    expected = numeric_grad(lambda: float(np.sum(w * A.forward(name, x))), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert_close(grad, expected, rtol=1e-6, atol=1e-8, what=name)


@pytest.mark.parametrize(("name", "alpha"), [("leaky_relu", 0.2), ("elu", 0.5)])
def test_backward_with_a_custom_alpha_matches_finite_differences(name: str, alpha: float) -> None:
    x = _smooth_inputs((4, 5))
    w = np.random.default_rng(3).normal(size=x.shape)
    grad = A.backward(name, x, A.forward(name, x, alpha), w, alpha)
    expected = numeric_grad(lambda: float(np.sum(w * A.forward(name, x, alpha))), x)
    assert_close(grad, expected, rtol=1e-6, atol=1e-8, what=name)


def test_step_backward_raises_a_learner_readable_training_error() -> None:
    x = np.array([[-1.0, 2.0]])
    with pytest.raises(TrainingError) as err:
        A.backward("step", x, A.forward("step", x), np.ones_like(x))
    message = str(err.value)
    assert "perceptron" in message and "sigmoid" in message
    assert not A.get("step").has_gradient
    assert all(A.get(n).has_gradient for n in DIFFERENTIABLE)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_numerical_derivative(name: str) -> None:
    x = _smooth_inputs((41,), seed=7)
    h = 1e-6
    numeric = (A.forward(name, x + h) - A.forward(name, x - h)) / (2 * h)
    assert_close(A.derivative(name, x), numeric, rtol=1e-6, atol=1e-8, what=name)


def test_softmax_derivative_is_the_jacobian_diagonal() -> None:
    x = np.array([0.3, -1.2, 2.0, 0.7])
    h = 1e-6
    numeric = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        numeric[i] = (A.forward("softmax", x + e)[i] - A.forward("softmax", x - e)[i]) / (2 * h)
    assert_close(A.derivative("softmax", x), numeric, rtol=1e-6, atol=1e-9)


def test_derivative_conventions_at_kinks() -> None:
    assert A.derivative("relu", np.array([0.0]))[0] == 0.0  # PyTorch: slope 0 at 0
    assert A.derivative("relu", np.array([1e-9]))[0] == 1.0
    assert np.all(A.derivative("step", np.array([-1.0, 0.0, 1.0])) == 0.0)
    hs = A.derivative("hard_sigmoid", np.array([-4.0, -3.0, 0.0, 3.0, 4.0]))
    assert_close(hs, np.array([0.0, 0.0, 1 / 6, 0.0, 0.0]))


# -- worked values -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "x", "expected"), [
    ("linear", -2.5, -2.5),
    ("sigmoid", 0.0, 0.5),
    ("sigmoid", 2.0, 1 / (1 + math.exp(-2.0))),
    ("tanh", 1.0, 0.7615941559557649),
    ("relu", -3.0, 0.0),
    ("relu", 2.5, 2.5),
    ("leaky_relu", -2.0, -0.02),
    ("leaky_relu", 2.0, 2.0),
    ("elu", -1.0, math.exp(-1.0) - 1.0),
    ("selu", 1.0, 1.0507009873554805),
    ("selu", -1.0, 1.0507009873554805 * 1.6732632423543772 * (math.exp(-1.0) - 1.0)),
    ("softplus", 0.0, math.log(2.0)),
    ("softplus", 1000.0, 1000.0),
    ("softplus", -1000.0, 0.0),
    ("silu", 1.0, 0.7310585786300049),
    ("gelu", 1.0, 0.8413447460685429),
    ("gelu", -1.0, -0.15865525393145707),
    ("hard_sigmoid", 0.0, 0.5),
    ("hard_sigmoid", 1.5, 0.75),
    ("hard_sigmoid", -3.5, 0.0),
    ("hard_sigmoid", 3.5, 1.0),
    ("step", 0.0, 1.0),
    ("step", -1e-9, 0.0),
])
def test_known_values(name: str, x: float, expected: float) -> None:
    assert A.forward(name, np.array([x]))[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_custom_alpha_overrides_the_default() -> None:
    assert A.forward("leaky_relu", np.array([-1.0]), alpha=0.2)[0] == pytest.approx(-0.2)
    assert A.forward("elu", np.array([-50.0]), alpha=2.0)[0] == pytest.approx(-2.0)
    assert A.get("leaky_relu").params == {"alpha": 0.01}
    assert A.get("elu").params == {"alpha": 1.0}


def test_sigmoid_is_stable_for_huge_inputs() -> None:
    with np.errstate(all="raise"):
        y = A.forward("sigmoid", np.array([-1000.0, 1000.0]))
    assert_close(y, np.array([0.0, 1.0]))


def test_softmax_rows_sum_to_one_and_are_stable() -> None:
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0], [1.0, 2.0, 3.0]])
    y = A.forward("softmax", x)
    e = np.exp([1.0, 2.0, 3.0])
    assert np.all(np.isfinite(y))
    assert_close(y.sum(axis=1), np.ones(3), atol=1e-15)
    assert_close(y[0], e / e.sum(), rtol=1e-12)  # shift-invariant: same as [1, 2, 3]
    assert_close(y[1], np.full(3, 1 / 3), rtol=1e-12)
    y32 = A.forward("softmax", x.astype(np.float32))
    assert y32.dtype == np.float32 and np.all(np.isfinite(y32))


def test_softmax_acts_on_the_last_axis_of_any_shape() -> None:
    x = np.random.default_rng(9).normal(size=(2, 3, 5))
    y = A.forward("softmax", x)
    for i in range(2):
        for j in range(3):
            e = np.exp(x[i, j] - x[i, j].max())
            assert_close(y[i, j], e / e.sum(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_preserves_shape_dtype_and_input(dtype: type) -> None:
    x = np.random.default_rng(0).normal(size=(3, 2, 4)).astype(dtype)[:, :, ::2]  # strided
    before = x.copy()
    for name in A.NAMES:
        y = A.forward(name, x)
        assert y.shape == x.shape and y.dtype == dtype
    np.testing.assert_array_equal(x, before)  # forward never writes into its input
    assert A.forward("relu", np.array([-1, 2])).dtype == np.float32  # ints -> float32 default


# -- registry ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("alias", "name"), [
    ("swish", "silu"), ("none", "linear"), ("identity", "linear"), ("logistic", "sigmoid"),
    ("leakyrelu", "leaky_relu"), ("Leaky-ReLU", "leaky_relu"), ("RELU", "relu"),
    ("  GeLU ", "gelu"), ("HardSigmoid", "hard_sigmoid"), ("heaviside", "step"),
])
def test_aliases_resolve(alias: str, name: str) -> None:
    assert A.get(alias).name == name


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(ConfigError) as err:
        A.get("sigmoyd")
    message = str(err.value)
    assert "sigmoyd" in message
    assert all(name in message for name in A.NAMES)


def test_registry_is_complete_and_consistent() -> None:
    assert A.NAMES == ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu",
                       "softplus", "silu", "gelu", "hard_sigmoid", "step", "softmax"]
    assert sorted(A.get(n).act_id for n in A.NAMES) == list(range(len(A.NAMES)))
    assert all(A.get(n).name == n for n in A.NAMES)
    assert all(target in A.NAMES for target in A.ALIASES.values())
    for name in A.NAMES:
        info = A.get(name)
        assert info.display_name and info.formula and info.blurb.endswith(".")
    assert "relu6(x + 3) / 6" in A.get("hard_sigmoid").blurb
