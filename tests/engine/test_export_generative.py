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


def test_numpy_export_of_a_vae_says_to_use_pytorch(tmp_path):
    from engine.export import ExportError

    with pytest.raises(ExportError, match="PyTorch"):
        export_project(example("vae_digits_2d"), "numpy", tmp_path)
