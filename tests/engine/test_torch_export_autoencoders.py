"""Denoising and sparse autoencoders in the PyTorch script: ``corrupt`` draws the engine's
noise (its rule on a numpy generator, ``[SEED, 7]`` in the training loop) and
``sparsity_penalty`` adds the engine's L1 term on the code layer's activations. With the same
generator handed to the script and to ``AutoencoderTrainer``, one training step gives the
engine's objective and gradients (float64); under torchrun every process takes its rows of the
global batch's noise."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch
from engine.generative.autoencoder import AutoencoderTrainer
from engine.model import Model
from tests.engine.export_helpers import example, load_script, random_weights

torch = pytest.importorskip("torch")

CASES = [("denoising_ae", {}),  # masking 0.3, as the example ships
         ("denoising_ae", {"input_noise": "gaussian", "noise_level": 0.2, "sparsity": 0.01}),
         ("ae_digits_2d", {"sparsity": 0.05, "reconstruction_loss": "mse"}),
         ("vae_digits_2d", {"input_noise": "masking", "noise_level": 0.25, "sparsity": 0.02,
                            "kl_warmup_epochs": 0.0})]


def engine_step(project, weights, n, noise_seed, eps):
    """One ``AutoencoderTrainer`` step on the first n samples (float64), its noise drawn from
    default_rng(noise_seed) and a Sampling layer's ε fixed to eps: (x, targets, objective,
    gradients)."""
    data = load_dataset(project.dataset)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    trainer = AutoencoderTrainer(model, data, project.training, project.recipe)
    trainer.noise_rng = np.random.default_rng(noise_seed)
    for layer in trainer.sampling:
        layer.noise = eps
    x = np.asarray(data.x_train[:n], np.float64)
    y = trainer.targets(x)
    value = float(trainer.stepper.run(x, y, [np.arange(n)])[0])
    grads = {f"{layer.name}/{key}": g.copy() for layer in model.layers.values()
             for key, g in layer.grads.items()}
    return data, x, y, value, grads


@pytest.mark.parametrize("name, options", CASES)
def test_one_step_gives_the_engines_objective_and_gradients(name, options, tmp_path):
    project = example(name)
    project.training.recipe_options = {**project.training.recipe_options, **options}
    weights = random_weights(project)
    n = 8
    eps = np.random.default_rng(5).standard_normal((n, 2)) if name.startswith("vae") else None
    data, x, y, value, grads = engine_step(project, weights, n, 11, eps)
    script, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    text = script.read_text()
    recipe = project.training.recipe_options
    assert ("xb = corrupt(xb, noise_rng, rank, world)" in text) == (
        recipe.get("input_noise", "none") != "none")
    assert ("+ sparsity_penalty(net)" in text) == (recipe.get("sparsity", 0.0) > 0)
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    net.train()
    xb = torch.from_numpy(x)
    if recipe.get("input_noise", "none") != "none":
        xb = module.corrupt(xb, np.random.default_rng(11))
        assert not torch.equal(xb, torch.from_numpy(x))
    if eps is not None:
        net.z.noise = torch.from_numpy(eps)
    loss = module.loss_fn(net(xb), torch.from_numpy(y))
    if eps is not None:
        loss = loss + module.kl_weight(0) * net.kl()
    if recipe.get("sparsity", 0.0) > 0:
        loss = loss + module.sparsity_penalty(net)
    assert loss.item() == pytest.approx(value, rel=1e-10)
    loss.backward()
    mapped = from_torch(make_plan(project, data),
                        {k: p.grad.numpy() for k, p in net.named_parameters()})
    assert set(mapped) == set(grads)
    for key, g in grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-8, atol=1e-12, err_msg=key)


def test_processes_share_the_global_batchs_noise(tmp_path):
    """Under torchrun (world 2) rank r's noise is rows r, r + 2, … of one process's draw for
    the whole global batch, so the global batch sees one noise draw however it is split."""
    project = example("denoising_ae")
    project.training.recipe_options = {**project.training.recipe_options,
                                       "input_noise": "gaussian", "noise_level": 0.5}
    script, _, _ = export_project(project, "torch", tmp_path)
    module = load_script(script)
    zeros = torch.zeros(6, 64, dtype=torch.float64)
    whole = module.corrupt(zeros, np.random.default_rng(3))
    for rank in (0, 1):
        part = module.corrupt(zeros[:3], np.random.default_rng(3), rank, 2)
        assert torch.equal(part, whole[rank::2])
    expected = 0.5 * np.random.default_rng(3).standard_normal((6, 64))  # the engine's rule
    np.testing.assert_array_equal(whole.numpy(), expected)
