"""Import back of a GAN: the state dict the exported GAN script saves (``generator.…`` and
``discriminator.…`` names, an .npz) loads into the GAN project under the canvas names, as
File → Import weights from PyTorch reads it (``read_torch_state`` + ``weights_from_torch``)."""

from __future__ import annotations

import numpy as np

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.import_back import read_torch_state, weights_from_torch
from engine.generative.gan import GANTrainer
from tests.engine.export_helpers import example


def test_a_gan_state_dict_loads_back_under_the_canvas_names(tmp_path):
    project = example("gan_ring_of_gaussians")
    trainer = GANTrainer(project.graph, load_dataset(project.dataset), project.training)
    rng = np.random.default_rng(3)
    weights = {k: v + rng.normal(0.0, 0.1, v.shape) for k, v in
               {**trainer.generator.get_weights(), **trainer.discriminator.get_weights()}.items()}
    _, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    with np.load(weights_file) as saved:  # as the script's process 0 saves its state dict
        state = {k: saved[k] * 1.5 for k in saved.files}  # "trained": every array changed
    assert any(k.startswith("generator.") for k in state)
    assert any(k.startswith("discriminator.") for k in state)
    state["generator.stray.weight"] = np.ones(3)  # a layer the project no longer has
    np.savez(tmp_path / "trained.npz", **state)

    loaded, unused = weights_from_torch(project, read_torch_state(tmp_path / "trained.npz"))
    assert unused == ["generator.stray.weight"]
    assert set(loaded) == set(weights)
    for key, value in weights.items():
        np.testing.assert_allclose(loaded[key], value * 1.5, rtol=1e-6, err_msg=key)
    for network in (trainer.generator, trainer.discriminator):  # every array finds its layer
        network.set_weights(loaded, strict=True)
