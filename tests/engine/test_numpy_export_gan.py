"""The GAN recipe in the NumPy export: one discriminator step and one generator step give the
engine's losses and the gradients its optimizers take (with weight penalties and clipping,
conditional GANs too), and a short run of the script's ``train`` ends near the engine's
weights (the engine hands samples and noise to its networks as float32: ~1e-9 per step)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export.plan import make_plan
from engine.generative.gan import GANTrainer, split_gan
from engine.model import Model
from tests.engine.export_helpers import example, exported
from tests.engine.test_torch_export_gan_regularize import engine_steps, penalised_gan


def noisy(project, data, seed=4):
    """Both networks' float64 start weights (the seeded ones plus noise), LayerLab names."""
    g_graph, d_graph = split_gan(project.graph,
                                 make_plan(project, data).gan.discriminator.input_shape)
    rng, weights = np.random.default_rng(seed), {}
    for graph, s in ((g_graph, project.training.seed), (d_graph, project.training.seed + 1)):
        for k, v in Model(graph, seed=s, dtype=np.float64).get_weights().items():
            weights[k] = v + rng.normal(0.0, 0.1, v.shape)
    return weights


CASES = [("gan_ring_of_gaussians", None), ("gan_ring_of_gaussians", (0.05, 0.3)),
         ("cgan_digits", None)]


@pytest.mark.parametrize("name, clip", CASES)
def test_one_step_each_gives_the_engines_losses_and_gradients(name, clip, tmp_path,
                                                               monkeypatch):
    project = example(name) if clip is None else penalised_gan(*clip)
    data = load_dataset(project.dataset)
    conditional = name.startswith("cgan")
    weights = noisy(project, data)
    script, P, written = exported(project, weights, tmp_path)
    assert set(P) == set(weights) and "def discriminator_backward(" in open(
        script.__file__).read()
    rng = np.random.default_rng(8)
    x = np.asarray(data.x_train[:8], np.float32).astype(np.float64)
    labels = np.asarray(data.y_train[:8]) if conditional else np.zeros(8, int)
    noise_dim = script.NOISE_DIM
    z_d, z_g = (rng.standard_normal((8, noise_dim)).astype(np.float32).astype(np.float64)
                for _ in range(2))
    if conditional:  # the engine's conditional trainer: labels are the real batch's classes
        d_loss, d_grads, g_loss, g_grads = conditional_steps(project, data, weights, x, labels,
                                                             z_d, z_g, monkeypatch)
    else:
        d_loss, d_grads, g_loss, g_grads = engine_steps(project, data, weights, x, z_d, z_g,
                                                        monkeypatch)
    taken = []
    monkeypatch.setattr(script, "adam_step", lambda P, G, *a, **k: taken.append(G))
    theirs = script.d_step(P, {}, 1, x, z_d, labels, None)
    assert theirs == pytest.approx(d_loss, rel=1e-7)
    assert set(taken[0]) == set(d_grads)
    for key, g in d_grads.items():  # the engine's fakes are float32: ~1e-9 apart
        np.testing.assert_allclose(taken[0][key], g, rtol=1e-5, atol=1e-9, err_msg=key)
    theirs = script.g_step(P, {}, 1, z_g, labels, None)
    assert theirs == pytest.approx(g_loss, rel=1e-7)
    assert set(taken[1]) == set(g_grads)
    for key, g in g_grads.items():
        np.testing.assert_allclose(taken[1][key], g, rtol=1e-5, atol=1e-9 * max(
            1.0, float(np.abs(g).max())), err_msg=key)


def conditional_steps(project, data, weights, x, labels, z_d, z_g, monkeypatch):
    from tests.engine.test_torch_export_training import cgan_engine_steps

    return cgan_engine_steps(project, data, weights, x, labels, z_d, z_g, monkeypatch)


def test_a_short_run_ends_near_the_engines_weights(tmp_path):
    project = penalised_gan(0.0, 0.5)
    project.training.batch_size, project.training.epochs, project.training.probes = 16, 2, []
    project.training.recipe_options = {**project.training.recipe_options, "d_steps": 2}
    data = load_dataset(project.dataset)
    weights = noisy(project, data)
    script, P, written = exported(project, weights, tmp_path)
    n = 64
    trained = script.train(P, written["x_train"][:n], written["labels_train"][:n], 2,
                           project.training.seed)
    small = replace(data, x_train=data.x_train[:n], y_train=data.y_train[:n])
    trainer = GANTrainer(project.graph, small, project.training)
    g_graph, d_graph = split_gan(project.graph, tuple(data.input_shape))
    trainer.generator = Model(g_graph, seed=0, dtype=np.float64)
    trainer.discriminator = Model(d_graph, seed=1, dtype=np.float64)
    trainer.discriminator.set_logits_mode(True)
    for model in (trainer.generator, trainer.discriminator):
        model.set_weights(weights)
    import engine.generative.gan as gan_module
    from engine.frozen import FrozenParams

    trainer.g_penalized = gan_module.penalized_params(trainer.generator)
    trainer.d_penalized = gan_module.penalized_params(trainer.discriminator)
    trainer.g_frozen, trainer.d_frozen = (FrozenParams(trainer.generator),
                                          FrozenParams(trainer.discriminator))
    for _ in trainer.run():
        pass
    expected = {**trainer.generator.get_weights(), **trainer.discriminator.get_weights()}
    moved = max(float(np.max(np.abs(weights[k] - v))) for k, v in expected.items())
    assert moved > 1e-3  # 8 discriminator and 4 generator steps moved the weights
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-5, atol=1e-7, err_msg=key)


@pytest.mark.parametrize("name, args", [("gan_ring_of_gaussians", ["--epochs", "1"]),
                                        ("vae_digits_2d", ["--train", "--epochs", "1"])])
def test_generative_scripts_run_from_the_command_line_without_layerlab(name, args, tmp_path):
    import subprocess
    import sys

    from engine.export import export_project

    script, _, data_file = export_project(example(name), "numpy", tmp_path)
    assert "engine" not in script.read_text().replace("LayerLab", "")
    with np.load(data_file) as data:  # a few hundred samples keep the run short
        arrays = {k: data[k][:256] for k in data.files}
    np.savez(data_file, **arrays)
    run = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "epoch 1/1" in run.stdout
    assert (tmp_path / f"{script.stem}_trained.npz").exists()
