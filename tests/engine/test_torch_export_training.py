"""The exported PyTorch training scripts: weighted sampling draws LayerLab's per-epoch order
(and shards it across processes into the same global batches), and conditional GANs export
with both networks reproducing the engine's losses and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.model import Model
from engine.training import Trainer
from tests.engine.export_helpers import example, load_script

torch = pytest.importorskip("torch")


def weighted_digits():
    project = example("digits_mlp")
    project.training.weighted_sampling = True
    project.training.epochs = 1
    return project


def test_weighted_sampler_draws_the_trainers_epochs_and_shards_them(tmp_path):
    project = weighted_digits()
    script, weights_file, data_file = export_project(project, "torch", tmp_path)
    module = load_script(script)
    data = load_dataset(project.dataset)
    trainer = Trainer(Model(project.graph, seed=project.training.seed), data, project.training)
    labels = np.load(data_file)["labels_train"]
    one = module.WeightedSampler(labels, 1, 0)
    for _ in range(2):  # epoch after epoch: the very indices LayerLab's trainer draws
        assert list(one) == list(trainer._order(len(labels)))
    two = [module.WeightedSampler(labels, 2, rank) for rank in (0, 1)]
    order = list(module.WeightedSampler(labels, 1, 0))
    shards = [list(s) for s in two]
    batch = 16  # 8 per process: together each step's global batch of the one-process run
    for step in range(len(order) // batch):
        together = shards[0][step * 8:(step + 1) * 8] + shards[1][step * 8:(step + 1) * 8]
        assert sorted(together) == sorted(order[step * batch:(step + 1) * batch])
    counts = np.bincount(labels[order], minlength=10)
    assert counts.min() > 0.6 * counts.max()  # every class about 1/10 of the draws
    net = module.train(1, weights_file, tmp_path / "trained.npz", torch.float64)
    assert isinstance(net, module.Network) and (tmp_path / "trained.npz").exists()


def test_without_weighted_sampling_the_script_keeps_the_distributed_sampler(tmp_path):
    script, _, _ = export_project(example("digits_mlp"), "torch", tmp_path)
    source = script.read_text()
    assert "WeightedSampler" not in source and "DistributedSampler(dataset" in source


def cgan_engine_steps(project, data, weights, x, labels, z_d, z_g, monkeypatch):
    """The engine's conditional discriminator step on real x (classes ``labels``) and
    G(z_d | labels), then its generator step on z_g: (d_loss, d grads, g_loss, g grads)."""
    import engine.generative.gan as gan_module
    from engine.generative.gan import GANTrainer, split_gan

    trainer = GANTrainer(project.graph, data, project.training)
    g_graph, d_graph = split_gan(project.graph, (data.input_shape[0] + data.n_classes,))
    seed = project.training.seed
    trainer.generator = Model(g_graph, seed=seed, dtype=np.float64)
    trainer.discriminator = Model(d_graph, seed=seed + 1, dtype=np.float64)
    trainer.discriminator.set_logits_mode(True)
    for model in (trainer.generator, trainer.discriminator):
        model.set_weights(weights)
    captured = []

    def capture(optimizer, model, frozen, clip=None):  # no step: the gradients as they are
        captured.append({f"{layer.name}/{key}": g.copy() for layer in model.layers.values()
                         for key, g in layer.grads.items()})

    monkeypatch.setattr(gan_module, "step_trainable", capture)
    draws = iter([z_d, z_g])
    monkeypatch.setattr(trainer, "noise", lambda n, rng=None: next(draws))
    d_loss = trainer.d_step(x, labels)[0]
    g_loss = trainer.g_step(len(x), labels)
    return d_loss, captured[0], g_loss, captured[1]


def test_conditional_gan_reproduces_the_engines_losses_and_gradients(tmp_path, monkeypatch):
    from engine.export.plan import make_plan
    from engine.export.torch_weights import from_torch

    project = example("cgan_digits")
    data = load_dataset(project.dataset)
    plan = make_plan(project, data)
    assert plan.gan.n_classes == 10 and plan.input_shape == (26,)
    script, weights_file, _ = export_project(project, "torch", tmp_path)
    module = load_script(script)
    gan = module.GAN().double()
    module.load_weights(gan, weights_file)
    rng = np.random.default_rng(4)
    state = {k: v.detach().numpy() + rng.normal(0.0, 0.1, v.shape)
             for k, v in gan.state_dict().items()}
    gan.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    weights = from_torch(plan, state)
    x = np.asarray(data.x_train[:8], np.float32).astype(np.float64)  # exact in float32
    labels = np.asarray(data.y_train[:8])
    z_d, z_g = (rng.standard_normal((8, 16)).astype(np.float32).astype(np.float64)
                for _ in range(2))
    d_loss, d_grads, g_loss, g_grads = cgan_engine_steps(project, data, weights, x, labels,
                                                         z_d, z_g, monkeypatch)
    gan.train()
    d_opt = module.make_d_optimizer(list(gan.discriminator.parameters()))
    g_opt = module.make_g_optimizer(list(gan.generator.parameters()))
    d_opt.step = g_opt.step = lambda: None  # compare the gradients the steps would use
    yb = torch.from_numpy(labels)
    theirs = module.d_step(gan, d_opt, torch.from_numpy(x), torch.from_numpy(z_d), yb)
    # the engine hands G(z) with its labels to D as float32 values: ~1e-9 apart
    assert theirs.item() == pytest.approx(d_loss, rel=1e-7)
    for net, prefix, expected in ((gan.discriminator, "discriminator.", d_grads),):
        mapped = from_torch(plan, {prefix + k: p.grad.numpy() for k, p in net.named_parameters()})
        assert set(mapped) == set(expected)
        for key, g in expected.items():
            # float32 fakes in the engine: differences ~1e-9, 1e-5 of the largest gradient
            np.testing.assert_allclose(mapped[key], g, rtol=1e-5,
                                       atol=1e-5 * np.abs(g).max(), err_msg=key)
    theirs = module.g_step(gan, g_opt, torch.from_numpy(z_g), yb)
    assert theirs.item() == pytest.approx(g_loss, rel=1e-7)
    mapped = from_torch(plan, {"generator." + k: p.grad.numpy()
                               for k, p in gan.generator.named_parameters()})
    assert set(mapped) == set(g_grads)
    for key, g in g_grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-5 * np.abs(g).max(),
                                   err_msg=key)


@pytest.mark.slow
def test_gan_script_under_torchrun_matches_one_process(tmp_path):
    """Two CPU processes (gloo, loopback) end one epoch of a conditional GAN with the weights
    of one process taking the whole batches."""
    from tests.engine.test_export_torch import run_script

    project = example("cgan_digits")
    project.training.batch_size = 200
    script, _, _ = export_project(project, "torch", tmp_path)
    loopback = {"GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    run_script(script, "--epochs", "1", "--float64", "--out", str(one), env=loopback)
    out = run_script(script, "--epochs", "1", "--float64", "--out", str(two), env=loopback,
                     nproc=2)
    assert "epoch 1/1" in out
    a, b = np.load(one), np.load(two)
    assert set(a.files) == set(b.files)
    for key in a.files:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-12, err_msg=key)


def test_summed_loss_is_written(tmp_path):
    from tests.engine.test_export_torch import check_against_engine

    project = example("spiral")
    project.training.loss_options = {**project.training.loss_options, "reduction": "sum"}
    check_against_engine(project, tmp_path / "sum")  # loss and gradients as the engine's
    assert "reduction='sum'" in next((tmp_path / "sum").glob("*_torch.py")).read_text()
    # class-weighted losses: tests/engine/test_torch_export_losses.py
