"""Weight penalties and gradient clipping in the PyTorch GAN script: each network's step adds
its own layers' L1/L2 to its loss and clips its gradients as ``GANTrainer`` does, so one
discriminator step and one generator step give the engine's losses and the gradients its
optimizers would take (after penalties and clipping)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch
from engine.model import Model
from tests.engine.export_helpers import example, load_script

torch = pytest.importorskip("torch")


def penalised_gan(clip_value: float, clip_norm: float):
    project = example("gan_ring_of_gaussians")
    for name, (l1, l2) in {"g_hidden1": (0.0, 0.02), "sample": (0.01, 0.0),
                           "d_hidden1": (0.01, 0.03)}.items():
        project.graph.set_options(name, {**project.graph.nodes[name].options,
                                         "l1": l1, "l2": l2})
    project.training.clip_value, project.training.clip_norm = clip_value, clip_norm
    return project


def engine_steps(project, data, weights, x, z_d, z_g, monkeypatch):
    """The engine's discriminator step then generator step (float64 networks, fixed noise):
    (d_loss, d grads, g_loss, g grads), the gradients as each optimizer would take them."""
    import engine.generative.gan as gan_module
    from engine.generative.gan import GANTrainer, split_gan

    trainer = GANTrainer(project.graph, data, project.training)
    g_graph, d_graph = split_gan(project.graph, tuple(data.input_shape))
    seed = project.training.seed
    trainer.generator = Model(g_graph, seed=seed, dtype=np.float64)
    trainer.discriminator = Model(d_graph, seed=seed + 1, dtype=np.float64)
    trainer.discriminator.set_logits_mode(True)
    for model in (trainer.generator, trainer.discriminator):
        model.set_weights(weights)
    trainer.g_penalized = gan_module.penalized_params(trainer.generator)
    trainer.d_penalized = gan_module.penalized_params(trainer.discriminator)
    captured = []

    def capture(optimizer, model, frozen, clip=None):  # clip, but no step
        if clip is not None:
            clip(model.grads_flat)
        captured.append({f"{layer.name}/{key}": g.copy() for layer in model.layers.values()
                         for key, g in layer.grads.items()})

    monkeypatch.setattr(gan_module, "step_trainable", capture)
    draws = iter([z_d, z_g])
    monkeypatch.setattr(trainer, "noise", lambda n, rng=None: next(draws))
    d_loss = trainer.d_step(x, np.zeros(len(x), int))[0]
    g_loss = trainer.g_step(len(x), np.zeros(len(x), int))
    return d_loss, captured[0], g_loss, captured[1]


@pytest.mark.parametrize("clip", [(0.0, 0.0), (0.05, 0.0), (0.0, 0.2), (0.05, 0.3)])
def test_gan_steps_add_penalties_and_clip_as_the_engine(clip, tmp_path, monkeypatch):
    project = penalised_gan(*clip)
    data = load_dataset(project.dataset)
    plan = make_plan(project, data)
    script, weights_file, _ = export_project(project, "torch", tmp_path)
    text = script.read_text()
    assert "'g_hidden1.weight': (0.0, 0.02)" in text.split("D_PENALTIES")[0]  # G_PENALTIES
    assert ("clip_gradients(gan.discriminator)" in text) == any(clip)
    module = load_script(script)
    gan = module.GAN().double()
    module.load_weights(gan, weights_file)
    rng = np.random.default_rng(4)
    state = {k: v.detach().numpy() + rng.normal(0.0, 0.1, v.shape)
             for k, v in gan.state_dict().items()}
    gan.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    weights = from_torch(plan, state)
    x = np.asarray(data.x_train[:8], np.float32).astype(np.float64)
    z_d, z_g = (rng.standard_normal((8, 4)).astype(np.float32).astype(np.float64)
                for _ in range(2))
    d_loss, d_grads, g_loss, g_grads = engine_steps(project, data, weights, x, z_d, z_g,
                                                    monkeypatch)
    gan.train()
    d_opt = module.make_d_optimizer(list(gan.discriminator.parameters()))
    g_opt = module.make_g_optimizer(list(gan.generator.parameters()))
    d_opt.step = g_opt.step = lambda: None  # compare the gradients the steps would use
    theirs = module.d_step(gan, d_opt, torch.from_numpy(x), torch.from_numpy(z_d))
    assert theirs.item() == pytest.approx(d_loss, rel=1e-10)
    mapped = from_torch(plan, {f"discriminator.{k}": p.grad.numpy()
                               for k, p in gan.discriminator.named_parameters()})
    assert set(mapped) == set(d_grads)
    for key, g in d_grads.items():  # the engine's fakes are float32: ~1e-9 apart
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-9, err_msg=key)
    theirs = module.g_step(gan, g_opt, torch.from_numpy(z_g))
    assert theirs.item() == pytest.approx(g_loss, rel=1e-7)  # the engine's fakes: float32
    mapped = from_torch(plan, {f"generator.{k}": p.grad.numpy()
                               for k, p in gan.generator.named_parameters()})
    for key, g in g_grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-9, err_msg=key)
    if clip[0]:
        assert max(float(np.abs(g).max()) for g in g_grads.values()) <= clip[0] + 1e-12


@pytest.mark.slow
def test_penalised_clipped_gan_under_torchrun_matches_one_process(tmp_path):
    """The penalty joins each process's loss after the × world scaling, so DDP's average
    counts it once: two CPU processes end an epoch on one process's weights."""
    from tests.engine.test_export_torch import run_script

    project = penalised_gan(0.05, 0.3)
    project.training.batch_size = 64
    script, _, data_file = export_project(project, "torch", tmp_path)
    with np.load(data_file) as data:  # whole batches of 64 (32 per process)
        arrays = {k: data[k][:512] for k in data.files}
    np.savez(data_file, **arrays)
    loopback = {"GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    run_script(script, "--epochs", "1", "--float64", "--out", str(one), env=loopback)
    run_script(script, "--epochs", "1", "--float64", "--out", str(two), env=loopback, nproc=2)
    a, b = np.load(one), np.load(two)
    assert set(a.files) == set(b.files)
    for key in a.files:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-12, err_msg=key)
