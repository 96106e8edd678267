"""Export of frozen layers and of the generative recipes: frozen layers stay out of the
exported scripts' updates; the VAE's exported module reproduces the engine's outputs, loss
(reconstruction + β·KL with the warm-up) and one training step's gradients in float64."""

from __future__ import annotations

import numpy as np
import pytest

from engine.export import export_project
from tests.engine.export_helpers import example, load_script, random_weights


def frozen_spiral():
    project = example("spiral")
    project.graph.set_options("hidden1", {**project.graph.nodes["hidden1"].options,
                                          "trainable": False})
    project.training.epochs = 1
    return project


def test_numpy_script_never_updates_a_frozen_layer(tmp_path):
    project = frozen_spiral()
    script, weights_file, data_file = export_project(project, "numpy", tmp_path)
    module = load_script(script)
    P = dict(np.load(weights_file))
    before = {k: v.copy() for k, v in P.items()}
    with np.load(data_file) as data:
        x, y = data["x_train"][:64], data["y_train"][:64]
    trained = module.train(P, x, y, 1, 0)
    for key, value in trained.items():
        if key.startswith("hidden1/"):
            np.testing.assert_array_equal(value, before[key], err_msg=key)
        else:
            assert not np.array_equal(value, before[key]), key


def test_torch_script_freezes_the_layer_and_its_optimizer_skips_it(tmp_path):
    torch = pytest.importorskip("torch")
    project = frozen_spiral()
    script, weights_file, _ = export_project(project, "torch", tmp_path,
                                             weights=random_weights(project))
    assert "self.hidden1.requires_grad_(False)" in script.read_text()
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    frozen = {k for k, p in net.named_parameters() if not p.requires_grad}
    assert frozen == {"hidden1.weight", "hidden1.bias"}
    before = {k: p.detach().clone() for k, p in net.named_parameters()}
    optimizer = module.make_optimizer([p for p in net.parameters() if p.requires_grad])
    x = torch.randn(16, 2, dtype=torch.float64)
    module.loss_fn(net(x), torch.randint(0, 2, (16,))).backward()
    optimizer.step()
    for key, p in net.named_parameters():
        assert torch.equal(p, before[key]) == (key in frozen), key


def vae_engine_step(project, weights, eps, step):
    """The engine's VAE objective and gradients on the first len(eps) digits (float64, the
    Sampling noise fixed to eps, the trainer at optimizer step ``step`` of the KL warm-up)."""
    from engine.datasets.registry import load_dataset
    from engine.generative.autoencoder import AutoencoderTrainer
    from engine.model import Model

    data = load_dataset(project.dataset)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    trainer = AutoencoderTrainer(model, data, project.training, "vae")
    trainer.step = step
    trainer.refresh_options()  # sets the warmed-up KL weight on the Sampling layer
    x = np.asarray(data.x_train[:len(eps)], np.float64)
    y = trainer.targets(x)
    evaluated = model.forward(x, training=False).copy()
    model.layers["z"].noise = eps
    out = model.forward(x, training=True)
    value, grad = trainer.loss.value_and_grad(out, y)
    value = value * trainer.recon_scale + model.aux_loss()
    model.backward(grad * trainer.recon_scale, input_grad=False)
    grads = {f"{layer.name}/{key}": g.copy() for layer in model.layers.values()
             for key, g in layer.grads.items()}
    return data, x, y, evaluated, out.copy(), value, grads, trainer.kl_weight()


def test_vae_module_reproduces_the_engines_objective_and_gradients(tmp_path):
    torch = pytest.importorskip("torch")
    from engine.export.plan import make_plan
    from engine.export.torch_weights import from_torch

    project = example("vae_digits_2d")
    project.training.recipe_options = {**project.training.recipe_options, "beta": 2.0,
                                       "kl_warmup_epochs": 3.0}
    weights = random_weights(project)
    eps = np.random.default_rng(5).standard_normal((6, 2))
    data, x, y, evaluated, out, value, grads, weight = vae_engine_step(project, weights, eps, 40)
    assert 0.0 < weight < 2.0  # inside the warm-up
    script, weights_file, data_file = export_project(project, "torch", tmp_path, weights=weights)
    with np.load(data_file) as written:
        np.testing.assert_array_equal(written["y_train"][:6], y)  # the target is the input
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    net.eval()
    np.testing.assert_allclose(net(torch.from_numpy(x)).detach().numpy(), evaluated,
                               rtol=1e-10, atol=1e-10)
    net.train()
    net.z.noise = torch.from_numpy(eps)
    theirs = net(torch.from_numpy(x))
    np.testing.assert_allclose(theirs.detach().numpy(), out, rtol=1e-10, atol=1e-10)
    assert module.kl_weight(40) == pytest.approx(weight, rel=1e-12)
    loss = module.loss_fn(theirs, torch.from_numpy(y)) + module.kl_weight(40) * net.kl()
    assert loss.item() == pytest.approx(value, rel=1e-10)
    loss.backward()
    mapped = from_torch(make_plan(project, data),
                        {k: p.grad.numpy() for k, p in net.named_parameters()})
    assert set(mapped) == set(grads)
    for key, g in grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-10, err_msg=key)


def gan_engine_steps(project, data, weights, x, z_d, z_g, monkeypatch):
    """The engine's discriminator step on real x and G(z_d), then its generator step on z_g
    (``GANTrainer.d_step``/``g_step`` with float64 networks): (d_loss, d grads, g_loss, g
    grads), each network's gradients read where the optimizer would take its step."""
    import engine.generative.gan as gan_module
    from engine.generative.gan import GANTrainer, split_gan
    from engine.model import Model

    trainer = GANTrainer(project.graph, data, project.training)
    g_graph, d_graph = split_gan(project.graph, tuple(data.input_shape))
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
    d_loss = trainer.d_step(x, np.zeros(len(x), int))[0]
    g_loss = trainer.g_step(len(x), np.zeros(len(x), int))
    return d_loss, captured[0], g_loss, captured[1]


def test_gan_modules_reproduce_the_engines_losses_and_gradients(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from engine.datasets.registry import load_dataset
    from engine.export.plan import make_plan
    from engine.export.torch_weights import from_torch

    project = example("gan_ring_of_gaussians")
    data = load_dataset(project.dataset)
    plan = make_plan(project, data)
    assert [s.name for s in plan.steps][-1] == "sample"  # the generator
    assert [s.name for s in plan.gan.discriminator.steps][-1] == "real_or_fake"
    script, weights_file, _ = export_project(project, "torch", tmp_path)
    module = load_script(script)
    gan = module.GAN().double()
    module.load_weights(gan, weights_file)
    rng = np.random.default_rng(4)
    state = {k: v.detach().numpy() + rng.normal(0.0, 0.1, v.shape)
             for k, v in gan.state_dict().items()}
    gan.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    weights = from_torch(plan, state)
    # inputs exact in float32: the engine feeds its networks float32 samples and noise
    x = np.asarray(data.x_train[:8], np.float32).astype(np.float64)
    z_d, z_g = (rng.standard_normal((8, 4)).astype(np.float32).astype(np.float64)
                for _ in range(2))
    d_loss, d_grads, g_loss, g_grads = gan_engine_steps(project, data, weights, x, z_d, z_g,
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
    for key, g in d_grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-10, err_msg=key)
    assert all(p.grad is None for p in gan.generator.parameters())  # G untouched by D's step
    theirs = module.g_step(gan, g_opt, torch.from_numpy(z_g))
    # the engine hands G(z) to D as float32 samples (GANTrainer._with_labels): ~1e-9 apart
    assert theirs.item() == pytest.approx(g_loss, rel=1e-7)
    mapped = from_torch(plan, {f"generator.{k}": p.grad.numpy()
                               for k, p in gan.generator.named_parameters()})
    assert set(mapped) == set(g_grads)
    for key, g in g_grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-5, atol=1e-10, err_msg=key)
    assert "g_optimizer" not in project.training.recipe_options  # both: the project's adam
    assert isinstance(d_opt, torch.optim.Adam) and d_opt.defaults["lr"] == 0.001


def test_several_inputs_read_their_parts_of_the_packed_sample(tmp_path):
    pytest.importorskip("torch")
    from tests.engine.test_export_torch import check_against_engine

    project = example("dates_seq2seq_attention")
    check_against_engine(project, tmp_path)  # outputs, loss and gradients vs the engine
    source = next(tmp_path.glob("*_torch.py")).read_text()
    assert "date = x[:, 0:20].reshape(-1, 20)" in source
    assert "answer = x[:, 20:30].reshape(-1, 10)" in source
