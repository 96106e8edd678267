"""Class weights in the classification losses: value and gradient against a hand computation,
against torch's ``weight=`` and against finite differences; "balanced" as scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.class_weights import balanced_weights, parse_class_weight
from engine.losses import get_loss
from engine.types import ConfigError


def test_weighted_softmax_ce_by_hand() -> None:
    # two samples, two classes; weights (1, 3): mean = (1·l0 + 3·l1) / (1 + 3)
    z = np.array([[2.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 1])
    loss = get_loss("categorical_crossentropy", from_logits=True, class_weight="1, 3")
    value, grad = loss.value_and_grad(z, y)
    p0 = math.exp(2) / (math.exp(2) + 1)
    p1 = math.exp(1) / (math.exp(1) + 1)
    l0, l1 = -math.log(p0), -math.log(p1)
    assert value == pytest.approx((1 * l0 + 3 * l1) / 4, rel=1e-12)
    # d/dz of w_r·l_r / W = w_r·(softmax - onehot) / W
    expected = np.array([[1 * (p0 - 1), 1 * (1 - p0)], [3 * (1 - p1), 3 * (p1 - 1)]]) / 4
    np.testing.assert_allclose(grad, expected, rtol=1e-12)


def test_weighted_bce_by_hand() -> None:
    z = np.array([[0.5], [-1.0], [2.0]])
    y = np.array([[1.0], [0.0], [0.0]])
    loss = get_loss("binary_crossentropy", from_logits=True, class_weight="2, 5")
    value, grad = loss.value_and_grad(z, y)
    sig = 1 / (1 + np.exp(-z[:, 0]))
    per = -(y[:, 0] * np.log(sig) + (1 - y[:, 0]) * np.log(1 - sig))
    w = np.array([5.0, 2.0, 2.0])
    assert value == pytest.approx(float((w * per).sum() / w.sum()), rel=1e-12)
    np.testing.assert_allclose(grad[:, 0], w * (sig - y[:, 0]) / w.sum(), rtol=1e-12)


def test_equal_weights_equal_unweighted_loss() -> None:
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    plain = get_loss("categorical_crossentropy", from_logits=True).value_and_grad(z, y)
    ones = get_loss("categorical_crossentropy", from_logits=True,
                    class_weight="1,1,1,1").value_and_grad(z, y)
    assert ones[0] == pytest.approx(plain[0], rel=1e-12)
    np.testing.assert_allclose(ones[1], plain[1], rtol=1e-10)


@pytest.mark.parametrize("from_logits", [True, False])
def test_weighted_ce_gradient_matches_finite_differences(from_logits: bool) -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 5)
    z = rng.standard_normal((5, 3))
    if not from_logits:
        z = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = get_loss("categorical_crossentropy", from_logits=from_logits,
                    class_weight="0.5, 2, 1")
    _, grad = loss.value_and_grad(z, y)
    numeric = np.zeros_like(z)
    for idx in np.ndindex(*z.shape):
        step = np.zeros_like(z)
        step[idx] = 1e-6
        numeric[idx] = (loss.value(z + step, y) - loss.value(z - step, y)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_weighted_losses_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    z, y = rng.standard_normal((9, 3)), rng.integers(0, 3, 9)
    w = np.array([0.3, 2.0, 1.5])
    loss = get_loss("categorical_crossentropy", from_logits=True, class_weight="0.3, 2, 1.5")
    value, grad = loss.value_and_grad(z, y)
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt, torch.tensor(y), weight=torch.tensor(w))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-10)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-10)
    # binary: torch's per-element weight=, normalised by the sum of the weights
    zb, yb = rng.standard_normal((8, 1)), rng.integers(0, 2, (8, 1)).astype(float)
    wb = np.where(yb == 1, 4.0, 0.5)
    bce = get_loss("binary_crossentropy", from_logits=True, class_weight="0.5, 4")
    value, grad = bce.value_and_grad(zb, yb)
    zt = torch.tensor(zb, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(yb), weight=torch.tensor(wb), reduction="sum") / wb.sum()
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-10)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-10)


def test_balanced_weights_match_scikit_learn() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0] * 90 + [1] * 10 + [2] * 20)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    np.testing.assert_allclose(balanced_weights(y, 3), expected)
    loss = get_loss("categorical_crossentropy", from_logits=True, class_weight="balanced")
    loss.fit_class_weights(y, 3)
    np.testing.assert_allclose(loss.class_weights, expected)


def test_bad_class_weights_are_explained() -> None:
    with pytest.raises(ConfigError, match="one number of at least 0 per class"):
        parse_class_weight("heavy")
    loss = get_loss("categorical_crossentropy", class_weight="1, 2")
    with pytest.raises(ConfigError, match="one weight per class"):
        loss.fit_class_weights(np.array([0, 1, 2]), 3)


def test_training_with_balanced_weights_finds_the_rare_class() -> None:
    """On 90/10 imbalanced blobs, balanced weights raise the rare class's recall."""
    from engine.datasets.registry import load_dataset
    from engine.graph import Graph
    from engine.model import Model
    from engine.training import TrainConfig, Trainer

    spec = {"name": "blobs", "n_classes": 2, "cluster_std": 1.2, "n_samples": 400,
            "imbalance": 0.1, "seed": 3}
    data = load_dataset(spec)
    recalls = []
    for weight in ("none", "balanced"):
        g = Graph.sequential([{"kind": "Input", "shape": [2]},
                              {"kind": "Dense", "name": "out", "units": 2,
                               "activation": "softmax"}])
        model = Model(g, seed=0)
        cfg = TrainConfig(epochs=30, seed=0, loss="categorical_crossentropy",
                          loss_options={"class_weight": weight}, optimizer="adam",
                          optimizer_options={"learning_rate": 0.05})
        trainer = Trainer(model, data, cfg)
        for _ in trainer.run():
            pass
        pred = np.argmax(model.forward(data.x_train, training=False), axis=1)
        rare = data.y_train == 1
        recalls.append(float(np.mean(pred[rare] == 1)))
    assert recalls[1] > recalls[0]


def test_imbalance_option_keeps_a_share_of_the_rare_class() -> None:
    from engine.datasets.registry import load_dataset

    full = load_dataset({"name": "moons", "n_samples": 400})
    rare = load_dataset({"name": "moons", "n_samples": 400, "imbalance": 0.1})
    counts = np.bincount(np.concatenate([rare.y_train, rare.y_val]), minlength=2)
    assert counts.tolist() == [200, 20]
    assert np.bincount(rare.y_val, minlength=2)[1] >= 1  # stratified: both parts have it
    assert full.n_train + full.n_val == 400
    with pytest.raises(ConfigError, match="no class 5"):
        load_dataset({"name": "moons", "imbalance": 0.5, "rare_class": 5})
