"""Losses: worked values, finite-difference gradients, logits vs probabilities, stability,
label encodings, kernel == numpy reference, configs and learner-readable errors."""

import json
import math

import numpy as np
import pytest
from sklearn.metrics import hinge_loss, log_loss

from engine.kernels import losses as K
from engine.losses import (
    LOSS_NAMES,
    Loss,
    get_loss,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from engine.types import ConfigError, DataError
from tests.engine.gradcheck import assert_close, numeric_grad


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# -- worked values ----------------------------------------------------------------------------
def test_mse_worked_example_mean_and_sum():
    pred, y = np.array([[1.0, 2.0]]), np.zeros((1, 2))
    assert get_loss("mse").value(pred, y) == pytest.approx(2.5)
    assert get_loss("mse", reduction="sum").value(pred, y) == pytest.approx(5.0)
    _, grad = get_loss("mse").value_and_grad(pred, y)
    assert grad.tolist() == [[1.0, 2.0]]  # 2·r / 2 elements


def test_mse_mean_is_over_all_elements():
    pred, y = np.array([[1.0, 2.0], [3.0, 0.0]]), np.zeros((2, 2))
    assert get_loss("mean_squared_error").value(pred, y) == pytest.approx(14 / 4)


def test_mae_worked_example():
    pred, y = np.array([[1.0, -3.0]]), np.array([[0.0, 0.0]])
    assert get_loss("l1").value(pred, y) == pytest.approx(2.0)
    assert get_loss("mae", reduction="sum").value_and_grad(pred, y)[1].tolist() == [[1.0, -1.0]]


def test_huber_quadratic_and_linear_regimes():
    loss = get_loss("huber", delta=1.0, reduction="sum")
    assert loss.value(np.array([[0.5]]), np.zeros((1, 1))) == pytest.approx(0.125)  # 0.5·r²
    assert loss.value(np.array([[3.0]]), np.zeros((1, 1))) == pytest.approx(2.5)  # 1·(3 - 0.5)
    big = get_loss("huber", delta=2.0, reduction="sum")
    assert big.value(np.array([[-3.0]]), np.zeros((1, 1))) == pytest.approx(4.0)  # 2·(3 - 1)
    assert big.value_and_grad(np.array([[-3.0, 1.5]]), np.zeros((1, 2)))[1].tolist() == [
        [-2.0, 1.5]]


def test_bce_of_one_half_is_ln2_on_both_paths():
    y = np.array([[1.0], [0.0]])
    assert get_loss("binary_crossentropy").value(np.full((2, 1), 0.5), y) == pytest.approx(
        math.log(2))
    logits = get_loss("binary_crossentropy", from_logits=True)
    assert logits.value(np.zeros((2, 1)), y) == pytest.approx(math.log(2))


@pytest.mark.parametrize("k", [2, 3, 10])
def test_ce_of_uniform_prediction_is_ln_k(k):
    labels = np.arange(4) % k
    assert get_loss("categorical_crossentropy").value(np.full((4, k), 1 / k), labels) == (
        pytest.approx(math.log(k)))
    value, grad, probs = softmax_cross_entropy(np.zeros((4, k)), labels)
    assert value == pytest.approx(math.log(k))
    assert_close(probs, np.full((4, k), 1 / k))
    assert_close(grad, (np.full((4, k), 1 / k) - np.eye(k)[labels]) / 4)


def test_hinge_worked_example_and_label_mapping():
    pred = np.array([[0.5], [-2.0], [0.25]])
    # 0/1 targets become ±1: margins 1-0.5, 1-2 (<0), 1+0.25
    assert get_loss("hinge").value(pred, np.array([[1], [0], [0]])) == pytest.approx(
        (0.5 + 0 + 1.25) / 3)
    assert get_loss("hinge").value(pred, np.array([[1], [-1], [-1]])) == pytest.approx(
        (0.5 + 0 + 1.25) / 3)
    assert get_loss("hinge").value(pred, np.array([1, -1, -1])) == pytest.approx(
        hinge_loss([1, -1, -1], pred.ravel()))


def test_gaussian_nll_worked_example():
    pred = np.array([[0.0, 0.0], [1.0, math.log(4.0)]])  # (μ, s) per sample, D = 1
    y = np.array([[1.0], [3.0]])
    # 0.5·(0 + 1) and 0.5·(log 4 + 4/4)
    expected = (0.5 + 0.5 * (math.log(4) + 1)) / 2
    assert get_loss("gaussian_nll").value(pred, y) == pytest.approx(expected)
    full = get_loss("gaussian_nll", full=True).value(pred, y)
    assert full == pytest.approx(expected + 0.5 * math.log(2 * math.pi))


def test_probability_cross_entropies_match_sklearn_log_loss():
    rng = np.random.default_rng(1)
    p = softmax(rng.normal(size=(20, 4)))
    labels = rng.integers(0, 4, 20)
    ours = get_loss("categorical_crossentropy").value(p, labels)
    assert ours == pytest.approx(log_loss(labels, p, labels=range(4)), rel=1e-9)
    q, y01 = rng.uniform(0.05, 0.95, 30), rng.integers(0, 2, 30)
    assert get_loss("bce").value(q, y01) == pytest.approx(log_loss(y01, q), rel=1e-9)


# -- finite-difference gradient checks (float64) ----------------------------------------------
def _cases():
    rng = np.random.default_rng(2)
    p01 = rng.uniform(0.05, 0.95, (4, 3))
    labels = rng.integers(0, 3, 4)
    soft = softmax(rng.normal(size=(4, 3)))
    return [
        ("mse", {}, rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
        ("mae", {}, rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
        ("huber", {"delta": 0.7}, 2 * rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
        ("binary_crossentropy", {}, p01, rng.integers(0, 2, (4, 3)).astype(float)),
        ("binary_crossentropy", {"from_logits": True}, 3 * rng.normal(size=(4, 3)),
         rng.uniform(size=(4, 3))),
        ("categorical_crossentropy", {}, softmax(rng.normal(size=(4, 3))), labels),
        ("categorical_crossentropy", {}, softmax(rng.normal(size=(4, 3))), soft),
        ("categorical_crossentropy", {"from_logits": True}, rng.normal(size=(4, 3)), labels),
        ("categorical_crossentropy", {"from_logits": True}, 2 * rng.normal(size=(4, 3)), 2 * soft),
        ("hinge", {}, rng.normal(size=(4, 2)), rng.integers(0, 2, (4, 2)).astype(float)),
        ("hinge", {}, rng.normal(size=(4, 2)), np.array([[1, -1], [-1, -1], [1, 1], [-1, 1]])),
        ("gaussian_nll", {}, rng.normal(size=(4, 4)), rng.normal(size=(4, 2))),
        ("gaussian_nll", {"full": True}, rng.normal(size=(3, 2)), rng.normal(size=(3, 1))),
    ]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("case", range(len(_cases())))
def test_gradient_matches_finite_differences(case, reduction):
    name, options, pred, target = _cases()[case]
    loss = get_loss(name, reduction=reduction, **options)
    pred = pred.astype(np.float64)
    value, grad = loss.value_and_grad(pred, target)
    assert grad.shape == pred.shape and grad.dtype == np.float64
    numeric = numeric_grad(lambda: loss.value(pred, target), pred)
    assert_close(grad, numeric, rtol=1e-5, atol=1e-8, what=f"{name} {options} {reduction}")
    n = len(pred) if name == "categorical_crossentropy" else np.asarray(target).size
    total = get_loss(name, reduction="sum", **options).value(pred, target)
    assert value == pytest.approx(total / n if reduction == "mean" else total)


# -- logits vs probabilities, stability -------------------------------------------------------
def test_softmax_logits_path_agrees_with_probability_path():
    rng = np.random.default_rng(3)
    z, labels = rng.normal(size=(6, 5)), rng.integers(0, 5, 6)
    p = softmax(z)
    v_p, g_p = get_loss("categorical_crossentropy").value_and_grad(p, labels)
    v_z, g_z = get_loss("categorical_crossentropy", from_logits=True).value_and_grad(z, labels)
    assert v_z == pytest.approx(v_p, rel=1e-12)
    # chain rule through the softmax Jacobian diag(p) - p pᵀ, row by row
    chained = np.stack([(np.diag(pi) - np.outer(pi, pi)) @ gi for pi, gi in zip(p, g_p)])
    assert_close(g_z, chained, rtol=1e-9, atol=1e-12)


def test_sigmoid_logits_path_agrees_with_probability_path():
    rng = np.random.default_rng(4)
    z, y = rng.normal(size=(7, 2)), rng.integers(0, 2, (7, 2)).astype(float)
    p = 1 / (1 + np.exp(-z))
    v_p, g_p = get_loss("binary_crossentropy").value_and_grad(p, y)
    v_z, g_z = get_loss("binary_crossentropy", from_logits=True).value_and_grad(z, y)
    assert v_z == pytest.approx(v_p, rel=1e-10)
    assert_close(g_z, g_p * p * (1 - p), rtol=1e-9, atol=1e-12)
    _, _, probs = sigmoid_binary_cross_entropy(z, y)
    assert_close(probs, p, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_of_plus_minus_1000_stay_finite_and_exact(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=dtype)
    value, grad, probs = softmax_cross_entropy(z, np.array([1, 2]), "sum")
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(probs))
    assert value == pytest.approx(2000.0 + 1.0 + math.log1p(math.exp(-1)), rel=1e-6)
    assert_close(grad[0], np.array([1.0, -1.0, 0.0], dtype=dtype), atol=1e-6)
    zb = np.array([[1000.0], [-1000.0], [1000.0]], dtype=dtype)
    value, grad, probs = sigmoid_binary_cross_entropy(zb, np.array([[0.0], [0.0], [1.0]]), "sum")
    assert value == pytest.approx(1000.0) and grad.ravel().tolist() == [1.0, 0.0, 0.0]
    assert probs.dtype == dtype and grad.dtype == dtype


def test_clipped_probabilities_stay_finite():
    value, grad = get_loss("binary_crossentropy").value_and_grad(
        np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]]))
    assert value == pytest.approx(-math.log(1e-7) / 2, rel=1e-6)
    assert np.all(np.isfinite(grad))
    value, _ = get_loss("categorical_crossentropy").value_and_grad(
        np.array([[1.0, 0.0]]), np.array([1]))
    assert value == pytest.approx(-math.log(1e-7), rel=1e-6)


# -- target encodings -------------------------------------------------------------------------
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_integer_and_onehot_labels_give_identical_results(from_logits, reduction):
    rng = np.random.default_rng(5)
    z = rng.normal(size=(9, 4)).astype(np.float32)
    pred = z if from_logits else softmax(z)
    labels = rng.integers(0, 4, 9)
    loss = get_loss("sparse_categorical_crossentropy", from_logits=from_logits,
                    reduction=reduction)
    v1, g1 = loss.value_and_grad(pred, labels)
    for target in (np.eye(4, dtype=np.float32)[labels], labels.reshape(-1, 1),
                   labels.astype(np.float64)):
        v2, g2 = loss.value_and_grad(pred, target)
        assert v2 == pytest.approx(v1, rel=1e-6)
        assert_close(g2, g1, rtol=1e-6, atol=1e-7)
        assert g2.dtype == np.float32


def test_sequence_logits_average_over_every_position():
    rng = np.random.default_rng(6)
    z, labels = rng.normal(size=(2, 3, 4)), rng.integers(0, 4, (2, 3))
    v, g = get_loss("categorical_crossentropy", from_logits=True).value_and_grad(z, labels)
    v_flat, g_flat, _ = softmax_cross_entropy(z.reshape(6, 4), labels.reshape(6))
    assert v == pytest.approx(v_flat) and g.shape == (2, 3, 4)
    assert_close(g.reshape(6, 4), g_flat)


def test_elementwise_targets_of_same_size_are_reshaped():
    pred = np.array([[1.0], [2.0]], dtype=np.float32)
    value, grad = get_loss("mse").value_and_grad(pred, np.array([0, 0]))
    assert value == pytest.approx(2.5) and grad.dtype == np.float32 and grad.shape == (2, 1)


# -- kernels vs reference ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("scale", [1.0, 1 / 7])
def test_kernels_match_numpy_reference(dtype, tol, scale):
    rng = np.random.default_rng(7)
    z = (5 * rng.normal(size=(7, 6))).astype(dtype)
    labels = rng.integers(0, 6, 7).astype(np.int64)
    soft = softmax(rng.normal(size=(7, 6))).astype(dtype)
    soft[0] = 0  # an all-zero row contributes nothing
    for kernel, reference, target in ((K.softmax_ce_labels, K.softmax_ce_labels_reference, labels),
                                      (K.softmax_ce_onehot, K.softmax_ce_onehot_reference, soft)):
        t1, g1, p1 = kernel(z, target, scale)
        t2, g2, p2 = reference(z, target, scale)
        assert t1 == pytest.approx(t2, rel=tol)
        assert g1.dtype == dtype and p1.dtype == dtype
        assert_close(g1, g2, rtol=tol, atol=tol, what=kernel.__name__)
        assert_close(p1, p2, rtol=tol, atol=tol, what=kernel.__name__)


def test_labels_kernel_equals_onehot_kernel():
    rng = np.random.default_rng(8)
    z, labels = rng.normal(size=(5, 3)), rng.integers(0, 3, 5).astype(np.int64)
    a = K.softmax_ce_labels(z, labels, 0.2)
    b = K.softmax_ce_onehot(z, np.eye(3)[labels], 0.2)
    assert a[0] == pytest.approx(b[0], rel=1e-14)
    assert_close(a[1], b[1], rtol=1e-14, atol=1e-16)


# -- registry, configs, errors ----------------------------------------------------------------
def test_names_aliases_and_config_round_trip():
    assert LOSS_NAMES == ["mse", "mae", "huber", "binary_crossentropy",
                          "categorical_crossentropy", "hinge", "gaussian_nll"]
    assert get_loss("Mean-Squared-Error").name == "mse"
    assert get_loss("mean_absolute_error").name == "mae"
    for name, options in [("huber", {"delta": 2.5}), ("binary_crossentropy", {"from_logits": True}),
                          ("categorical_crossentropy", {}), ("gaussian_nll", {"full": True}),
                          ("hinge", {"reduction": "sum"})]:
        loss = get_loss(name, **options)
        cfg = json.loads(json.dumps(loss.get_config()))
        assert cfg == loss.get_config()
        again = Loss.from_config(cfg)
        assert type(again) is type(loss) and again.get_config() == cfg
        assert type(loss).from_config(cfg).get_config() == cfg
    assert get_loss("categorical_crossentropy", from_logits=True).wants_logits
    assert not get_loss("categorical_crossentropy").wants_logits
    assert not get_loss("mse").wants_logits


def test_every_loss_has_display_text():
    for name in LOSS_NAMES:
        loss = get_loss(name)
        assert loss.display_name and loss.blurb and loss.reduction == "mean"


def test_learner_readable_errors():
    with pytest.raises(ConfigError, match="mse.*mae.*huber"):
        get_loss("cross_entorpy")
    with pytest.raises(ConfigError, match="delta"):
        get_loss("huber", delta=-1.0)
    with pytest.raises(ConfigError, match="unknown option.*alpha"):
        get_loss("mse", alpha=1)
    with pytest.raises(ConfigError, match="reduction"):
        get_loss("mse", reduction="max")
    with pytest.raises(DataError, match="last layer's units"):
        get_loss("mse").value(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(DataError, match="class label 3 does not fit a network with 3 output"):
        get_loss("categorical_crossentropy", from_logits=True).value(np.zeros((2, 3)), [0, 3])
    with pytest.raises(DataError, match="whole numbers"):
        get_loss("categorical_crossentropy").value(np.full((2, 3), 1 / 3), [0.5, 1])
    with pytest.raises(DataError, match="even number of outputs"):
        get_loss("gaussian_nll").value(np.zeros((2, 3)), np.zeros((2, 1)))
