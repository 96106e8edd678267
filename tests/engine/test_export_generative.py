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
