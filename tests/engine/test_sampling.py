"""The VAE's Sampling layer: KL closed form, its gradient, and the auxiliary-loss mechanism."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.layers import LAYERS, create_layer
from engine.layers.sampling import kl_per_sample
from engine.losses import get_loss
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.stepper import GenericStepper
from engine.training import TrainConfig
from engine.types import GraphError, ShapeError
from tests.engine.gradcheck import assert_close, numeric_grad


def sampling(d=3, dtype=np.float64, seed=0):
    layer = create_layer({"kind": "Sampling", "name": "z"})
    layer.build([(d,), (d,)], np.random.default_rng(seed), dtype)
    return layer


def test_registered_with_a_contract_example():
    cls = LAYERS["Sampling"]
    assert cls.example == ({}, [(3,), (3,)]) and cls.min_inputs == cls.max_inputs == 2


def test_kl_is_never_negative():
    rng = np.random.default_rng(0)
    for scale in (0.01, 1.0, 5.0):
        mu = rng.normal(0, scale, (500, 4))
        log_var = rng.normal(0, scale, (500, 4))
        assert np.all(kl_per_sample(mu, log_var) >= -1e-12)
    assert np.allclose(kl_per_sample(np.zeros((2, 3)), np.zeros((2, 3))), 0.0)


def test_kl_closed_form_equals_monte_carlo():
    """KL(q‖p) = E_q[log q(z) − log p(z)], estimated with 400 000 samples of z ~ q."""
    mu, log_var = np.array([0.7, -1.2]), np.array([-0.5, 0.8])
    rng = np.random.default_rng(3)
    std = np.exp(0.5 * log_var)
    z = mu + std * rng.standard_normal((400_000, 2))
    log_q = -0.5 * (((z - mu) / std) ** 2 + log_var + np.log(2 * np.pi))
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    estimate = float(np.mean(np.sum(log_q - log_p, axis=1)))
    exact = float(kl_per_sample(mu[None], log_var[None])[0])
    assert exact == pytest.approx(estimate, abs=0.01)
    # hand value: ½ Σ (σ² + μ² − 1 − log σ²)
    assert exact == pytest.approx(0.5 * np.sum(np.exp(log_var) + mu**2 - 1 - log_var))


def test_inference_uses_the_mean_and_adds_no_loss():
    layer = sampling()
    mu, lv = np.ones((4, 3)), np.full((4, 3), 2.0)
    assert np.array_equal(layer.forward([mu, lv], training=False), mu)
    assert layer.aux_loss == 0.0 and layer.kl > 0
    g = layer.backward(np.ones((4, 3)))
    assert np.array_equal(g[0], np.ones((4, 3))) and not g[1].any()


def test_training_draws_z_around_the_mean():
    layer = sampling(d=2)
    mu, lv = np.full((20000, 2), 1.5), np.full((20000, 2), np.log(0.25))
    z = layer.forward([mu, lv], training=True)
    assert z.mean() == pytest.approx(1.5, abs=0.02) and z.std() == pytest.approx(0.5, abs=0.02)


def test_gradient_with_fixed_noise_including_the_weighted_kl():
    layer = sampling(d=3)
    rng = np.random.default_rng(1)
    mu, lv = rng.normal(size=(4, 3)), rng.normal(0, 0.5, (4, 3))
    layer.noise = rng.normal(size=(4, 3))
    layer.aux_weight = 0.7
    w = rng.normal(size=(4, 3))

    def loss() -> float:
        z = layer.forward([mu, lv], training=True)
        return float(np.sum(z * w)) + layer.aux_loss

    loss()
    assert layer.aux_loss == pytest.approx(0.7 * kl_per_sample(mu, lv).mean())
    g_mu, g_lv = layer.backward(w)
    assert_close(g_mu, numeric_grad(loss, mu), rtol=1e-6, atol=1e-8, what="mu")
    assert_close(g_lv, numeric_grad(loss, lv), rtol=1e-6, atol=1e-8, what="log_var")


def test_float32_stays_float32():
    layer = sampling(dtype=np.float32)
    x = np.ones((2, 3), np.float32)
    assert layer.forward([x, x], training=True).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.backward(np.ones((2, 3), np.float32)))


def test_mismatched_inputs_are_explained():
    layer = create_layer({"kind": "Sampling", "name": "z"})
    with pytest.raises(ShapeError, match="log-variance"):
        layer.output_shape([(3,), (2,)])


def vae_regressor(seed=0, dtype=np.float32):
    g = Graph()
    g.add_node("Input", "inp", {"shape": [4]})
    g.add_node("Dense", "mu", {"units": 2})
    g.add_node("Dense", "lv", {"units": 2})
    g.add_node("Sampling", "z")
    g.add_node("Dense", "out", {"units": 1})
    for a, b in [("inp", "mu"), ("inp", "lv"), ("mu", "z"), ("lv", "z"), ("z", "out")]:
        g.connect(a, b)
    return Model(g, seed=seed, dtype=dtype)


def test_model_collects_aux_loss_and_the_stepper_reports_it():
    model = vae_regressor()
    x = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
    y = np.zeros((16, 1), np.float32)
    model.forward(x, training=True)
    kl = model.layers["z"].kl
    assert model.aux_loss() == pytest.approx(kl) and kl > 0
    model.forward(x, training=False)
    assert model.aux_loss() == 0.0
    stepper = GenericStepper(model, get_loss("mse"), get_optimizer("sgd"), TrainConfig())
    layer = model.layers["z"]
    layer.noise = np.zeros((16, 2), np.float32)  # z = mu: the reconstruction part is known
    out = model.forward(x, training=False)
    expected = float(np.mean(out**2)) + layer.kl
    assert stepper.train_batch(x, y) == pytest.approx(expected, rel=1e-5)


def test_sampling_needs_both_inputs_in_a_graph():
    g = Graph()
    g.add_node("Input", "inp", {"shape": [2]})
    g.add_node("Sampling", "z")
    g.connect("inp", "z")
    with pytest.raises(GraphError, match="at least 2 inputs"):
        g.validate()
