"""VAE recipe: training on digits, KL ≥ 0, β and its warm-up (also changed live)."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig
from engine.types import ConfigError


def vae_graph(latent=2, out_act="sigmoid", sampling=True):
    g = Graph()
    g.add_node("Input", "inp", {"shape": [64]})
    g.add_node("Dense", "enc", {"units": 32, "activation": "relu"})
    g.add_node("Dense", "mu", {"units": latent})
    g.add_node("Dense", "log_var", {"units": latent})
    g.add_node("Sampling" if sampling else "Add", "z")
    g.add_node("Dense", "dec", {"units": 32, "activation": "relu"})
    g.add_node("Dense", "out", {"units": 64, "activation": out_act})
    for a, b in [("inp", "enc"), ("enc", "mu"), ("enc", "log_var"), ("mu", "z"),
                 ("log_var", "z"), ("z", "dec"), ("dec", "out")]:
        g.connect(a, b)
    return g


def trainer_for(options=None, epochs=6, graph=None, probes=()):
    project = Project(graph=graph or vae_graph(), dataset={"name": "digits", "n_samples": 800},
                      recipe="vae", training=TrainConfig(
                          epochs=epochs, batch_size=32, probes=list(probes),
                          optimizer_options={"learning_rate": 0.003},
                          recipe_options=dict(options or {"reconstruction_loss": "bce"})))
    return prepare(project).trainer


def test_vae_trains_and_kl_stays_non_negative():
    trainer = trainer_for(epochs=8, probes=["latent_codes", "latent_grid"])
    before = trainer.evaluate(trainer.data.x_val, trainer.y_val, trainer.data.y_val)
    snaps = list(trainer.run())
    kls = trainer.history["train_kl"] + trainer.history["val_kl"]
    assert all(k >= 0 for k in kls) and before["kl"] >= 0
    assert trainer.history["val_recon"][-1] < before["recon"] - 5  # summed BCE over 64 pixels
    assert trainer.history["val_loss"][-1] < before["loss"]
    assert trainer.code == "z"
    p = snaps[-1].probes
    assert p["latent_codes"].shape == (len(trainer.data.x_val), 2)
    assert p["latent_grid"].shape == (10, 10, 64) and np.all((p["latent_grid"] >= 0)
                                                             & (p["latent_grid"] <= 1))


def test_reported_loss_is_reconstruction_plus_weighted_kl():
    trainer = trainer_for({"beta": 0.5}, epochs=1)
    list(trainer.run())
    m = trainer.history
    assert m["val_loss"][-1] == pytest.approx(m["val_recon"][-1] + 0.5 * m["val_kl"][-1])


def test_kl_warmup_is_linear_and_beta_can_change_live():
    trainer = trainer_for({"beta": 2.0, "kl_warmup_epochs": 4}, epochs=4)
    weights = []
    for snap in trainer.run():
        weights.append(snap.metrics["train_kl_weight"])
        if snap.epoch == 2:
            trainer.config.recipe_options["beta"] = 0.0  # the learner turns the KL term off
    assert weights[:2] == pytest.approx([0.5, 1.0])  # β · epochs done / 4
    assert weights[2:] == [0.0, 0.0]
    assert trainer.sampling[0].aux_weight == 0.0


def test_vae_needs_a_sampling_layer():
    graph = vae_graph(sampling=False)
    with pytest.raises(ConfigError, match="Sampling layer"):
        trainer_for(graph=graph)


def test_beta_zero_gives_an_autoencoder_objective():
    trainer = trainer_for({"beta": 0.0, "reconstruction_loss": "mse"}, epochs=1)
    list(trainer.run())
    assert trainer.history["val_loss"][-1] == pytest.approx(trainer.history["val_recon"][-1])
