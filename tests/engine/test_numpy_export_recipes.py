"""The autoencoder and VAE recipes in the NumPy export: the Sampling layer (z = μ + σ·ε while
training, z = μ otherwise; its β·KL with the warm-up counted in optimizer steps), the
reconstruction loss scaled as the engine scales it, and a training loop that ends on the
engine's weights (``AutoencoderTrainer``, float64)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.generative.autoencoder import AutoencoderTrainer
from engine.model import Model
from tests.engine.export_helpers import example, exported, random_weights
from tests.engine.test_export_generative import vae_engine_step


def test_vae_pass_reproduces_the_engines_objective_and_gradients(tmp_path):
    project = example("vae_digits_2d")
    project.training.recipe_options = {**project.training.recipe_options, "beta": 2.0,
                                       "kl_warmup_epochs": 3.0}
    weights = random_weights(project)
    eps = np.random.default_rng(5).standard_normal((6, 2))  # what the script's rng draws
    data, x, y, evaluated, out, value, grads, weight = vae_engine_step(project, weights, eps, 40)
    assert 0.0 < weight < 2.0  # inside the warm-up
    script, P, written = exported(project, weights, tmp_path)
    np.testing.assert_array_equal(written["y_train"][:6], y)  # the target is the input
    np.testing.assert_allclose(script.forward(P, x)[0], evaluated, rtol=1e-10, atol=1e-10)
    ours, cache = script.forward(P, x, training=True, rng=np.random.default_rng(5))
    np.testing.assert_allclose(ours, out, rtol=1e-10, atol=1e-10)
    assert script.kl_weight(40) == pytest.approx(weight, rel=1e-12)
    recon, d_out = script.loss_fn(ours, y)
    assert recon + script.kl_weight(40) * script.kl_total(cache) == pytest.approx(value,
                                                                                  rel=1e-10)
    G = script.backward(P, cache, d_out, script.kl_weight(40))
    assert set(G) == set(grads)
    for key, g in grads.items():
        np.testing.assert_allclose(G[key], g, rtol=1e-8, atol=1e-12, err_msg=key)


def engine_trained(project, weights, n, sampling_seed):
    """The engine's weights after ``AutoencoderTrainer`` trains ``project`` on its first n
    samples (float64); the Sampling layers draw ε from default_rng(sampling_seed)."""
    data = load_dataset(project.dataset)
    data = replace(data, x_train=np.asarray(data.x_train[:n], np.float64),
                   y_train=data.y_train[:n])  # float64 inputs, as the script's data file
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    for layer in model.layers.values():
        if layer.kind == "Sampling":
            layer._rng = np.random.default_rng(sampling_seed)
    for _ in AutoencoderTrainer(model, data, project.training, project.recipe).run():
        pass
    return model.get_weights()


@pytest.mark.parametrize("name, loss", [("ae_digits_2d", "bce"), ("ae_digits_2d", "mse"),
                                        ("vae_digits_2d", "bce")])
def test_training_ends_on_the_engines_weights(name, loss, tmp_path):
    project = example(name)
    project.training.recipe_options = {**project.training.recipe_options,
                                       "reconstruction_loss": loss}
    project.training.batch_size, project.training.epochs = 16, 2
    n, seed = 48, project.training.seed
    weights = random_weights(project)
    script, P, data = exported(project, weights, tmp_path)
    if name.startswith("vae"):  # the plan counts the whole dataset's steps; here 3 per epoch
        script.KL_WARMUP_STEPS = project.training.recipe_options["kl_warmup_epochs"] * 3
    trained = script.train(P, data["x_train"][:n], data["y_train"][:n], 2, seed)
    expected = engine_trained(project, weights, n, seed + 1)  # the script's ε generator
    assert set(trained) == set(expected)
    moved = max(float(np.max(np.abs(weights[k] - v))) for k, v in expected.items())
    assert moved > 1e-3
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)


DENOISING_SPARSE = [
    ("denoising_ae", {}),  # masking noise 0.3, as the example ships
    ("denoising_ae", {"input_noise": "gaussian", "noise_level": 0.2, "sparsity": 0.01}),
    ("ae_digits_2d", {"sparsity": 0.05, "reconstruction_loss": "mse"}),
    ("vae_digits_2d", {"input_noise": "masking", "noise_level": 0.25, "sparsity": 0.02}),
]


@pytest.mark.parametrize("name, options", DENOISING_SPARSE)
def test_denoising_and_sparse_training_ends_on_the_engines_weights(name, options, tmp_path):
    """The script's noise comes from its own generator seeded as the trainer's ([seed, 7])
    with the engine's rule (``corrupt``, pasted); the sparsity penalty's value and gradient
    enter at the code layer as the engine's. Two epochs end on AutoencoderTrainer's weights."""
    project = example(name)
    project.training.recipe_options = {**project.training.recipe_options, **options}
    project.training.batch_size, project.training.epochs = 16, 2
    n, seed = 48, project.training.seed
    weights = random_weights(project)
    script, P, data = exported(project, weights, tmp_path)
    if name.startswith("vae"):  # the plan counts the whole dataset's steps; here 3 per epoch
        script.KL_WARMUP_STEPS = project.training.recipe_options["kl_warmup_epochs"] * 3
    recipe = {**project.training.recipe_options}
    if recipe.get("input_noise", "none") != "none":
        assert script.NOISE == recipe["input_noise"]
    assert getattr(script, "SPARSITY", 0.0) == recipe.get("sparsity", 0.0)
    trained = script.train(P, data["x_train"][:n], data["y_train"][:n], 2, seed)
    expected = engine_trained(project, weights, n, seed + 1)
    clean = dict(project.training.recipe_options, input_noise="none", sparsity=0.0)
    project.training.recipe_options = clean
    plain = engine_trained(project, weights, n, seed + 1)  # what ignoring both would give
    assert max(float(np.max(np.abs(plain[k] - v))) for k, v in expected.items()) > 1e-4
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
