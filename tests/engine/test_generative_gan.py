"""GAN recipe: splitting the canvas, alternating steps, probes, mode coverage, datasets."""

import numpy as np
import pytest

from engine.datasets.gaussians import grid_centers, ring_centers
from engine.datasets.registry import dataset_catalog, load_dataset
from engine.generative.gan import GANTrainer, split_gan
from engine.generative.gan_probes import discriminator_surface, mode_centers, mode_coverage
from engine.graph import Graph
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig
from engine.types import ConfigError, GraphError


def chain(graph, prefix, specs, x0=0.0):
    prev = None
    for i, (kind, options) in enumerate(specs):
        name = graph.add_node(kind, f"{prefix}{i}", options, (x0, 100.0 * i)).name
        if prev:
            graph.connect(prev, name)
        prev = name


def gan_graph(noise=4, data=2, hidden=32, k=0, d_first=False, images=False):
    g = Graph()
    gen_out = ([("Dense", {"units": 64, "activation": "sigmoid"}),
                ("Reshape", {"target_shape": [1, 8, 8]})] if images else
               [("Dense", {"units": data})])
    gen = [("Input", {"shape": [noise + k]}), ("Dense", {"units": hidden, "activation": "relu"}),
           ("Dense", {"units": hidden, "activation": "relu"}), *gen_out]
    d_in = ([("Input", {"shape": [1, 8, 8]}), ("Flatten", {})] if images else
            [("Input", {"shape": [data + k]})])
    disc = [*d_in, ("Dense", {"units": hidden, "activation": "relu"}),
            ("Dense", {"units": hidden, "activation": "relu"}),
            ("Dense", {"units": 1, "activation": "sigmoid"})]
    for prefix, specs in (("d", disc), ("g", gen)) if d_first else (("g", gen), ("d", disc)):
        chain(g, prefix, specs, 0.0 if prefix == "g" else 300.0)
    return g


def gan_project(epochs=3, options=None, graph=None, dataset=None, probes=()):
    return Project(
        graph=graph or gan_graph(), dataset=dataset or {"name": "gaussian_ring", "noise": 0.05},
        recipe="gan", training=TrainConfig(
            epochs=epochs, batch_size=64, probes=list(probes),
            optimizer_options={"learning_rate": 0.001, "beta_1": 0.5},
            recipe_options=dict(options or {})))


def test_split_finds_generator_and_discriminator_in_any_order():
    for d_first in (False, True):
        g_graph, d_graph = split_gan(gan_graph(d_first=d_first), (2,))
        assert all(n.startswith("g") for n in g_graph.nodes)
        assert all(n.startswith("d") for n in d_graph.nodes)
    one = Graph.sequential([{"kind": "Input", "shape": [2]}, {"kind": "Dense", "units": 1}])
    with pytest.raises(GraphError, match="two separate networks"):
        split_gan(one, (2,))
    with pytest.raises(GraphError, match="discriminator"):
        split_gan(gan_graph(), (3,))


def test_gan_on_the_ring_alternates_steps_with_finite_losses():
    prepared = prepare(gan_project(epochs=3, options={"d_steps": 2},
                                   probes=["gan_samples", "gan_surface", "mode_coverage",
                                           "weights"]))
    trainer = prepared.trainer
    assert isinstance(trainer, GANTrainer) and prepared.model.generator is trainer.generator
    assert prepared.model.n_params == trainer.generator.n_params + trainer.discriminator.n_params
    assert len(prepared.model.get_weights()) == 12  # 3 Dense layers each, kernel + bias
    snaps = list(trainer.run())
    last = snaps[-1]
    assert last.event == "finished" and trainer.step == 3 * 25  # 1600 points / 64
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert np.isfinite(last.metrics[key]) and np.isfinite(last.extra[key])
    assert 0 < last.metrics["d_real"] < 1 and 0 < last.metrics["d_fake"] < 1
    assert sum(len(s.extra["d_losses"]) for s in snaps) == 75
    assert sum(len(s.extra["g_losses"]) for s in snaps) == 75 // 2  # k = 2
    p = last.probes
    assert p["gan_samples"].shape == (64, 2) and p["d_surface"].shape == (60, 60)
    assert np.all((p["d_surface"] >= 0) & (p["d_surface"] <= 1))
    assert int(p["n_modes"]) == 8 and 0 <= int(p["modes_covered"]) <= 8
    assert any(k.startswith("weights:discriminator/") for k in p)
    assert len(trainer.history["g_loss"]) == 3


def test_gan_learns_the_modes_of_the_ring():
    trainer = prepare(gan_project(epochs=60, probes=["mode_coverage"])).trainer
    last = list(trainer.run())[-1]
    assert int(last.probes["modes_covered"]) >= 6
    assert float(last.probes["high_quality"]) > 0.3


def test_conditional_gan_and_uniform_noise():
    graph = gan_graph(k=8)
    trainer = prepare(gan_project(epochs=1, graph=graph, probes=["gan_samples", "gan_surface"],
                                  options={"conditional": True,
                                           "noise_distribution": "uniform"})).trainer
    assert trainer.noise_dim == 4
    z = trainer.noise(500)
    assert z.min() >= -1 and z.max() <= 1 and z.shape == (500, 4)
    last = list(trainer.run())[-1]
    assert last.probes["gan_samples"].shape == (64, 2)
    assert list(last.probes["gan_labels"][:9]) == [0, 1, 2, 3, 4, 5, 6, 7, 0]
    with pytest.raises(ConfigError, match="noise_dim"):
        prepare(gan_project(graph=graph, options={"conditional": True, "noise_dim": 3}))


def test_image_gan_gives_image_samples():
    trainer = prepare(gan_project(epochs=1, graph=gan_graph(noise=8, images=True),
                                  dataset={"name": "digits", "as_image": True,
                                           "n_samples": 300},
                                  probes=["gan_samples"])).trainer
    last = list(trainer.run())[-1]
    assert last.probes["gan_samples"].shape == (64, 1, 8, 8)
    assert np.isfinite(last.metrics["g_loss"])


def test_each_network_has_its_own_optimizer_and_rate():
    trainer = prepare(gan_project(epochs=1, options={"g_optimizer": "sgd",
                                                     "g_learning_rate": 0.01,
                                                     "d_learning_rate": 0.0005})).trainer
    assert type(trainer.g_optimizer).__name__.lower().startswith("sgd")
    assert trainer.g_optimizer.learning_rate == 0.01
    assert trainer.d_optimizer.learning_rate == 0.0005
    trainer.config.recipe_options["d_learning_rate"] = 0.002  # changed live
    list(trainer.run())
    assert trainer.d_optimizer.learning_rate == 0.002


def test_mode_coverage_on_hand_made_point_sets():
    centers, sigma = ring_centers(8, 1.0), 0.05
    rng = np.random.default_rng(0)
    everywhere = np.concatenate([c + sigma * rng.standard_normal((100, 2)) for c in centers])
    cov = mode_coverage(everywhere, centers, sigma)
    assert cov["modes_covered"] == 8 and cov["high_quality"] > 0.98
    one = centers[3] + sigma * rng.standard_normal((800, 2))
    cov = mode_coverage(one, centers, sigma)
    assert cov["modes_covered"] == 1 and cov["counts"][3] > 780
    far = np.full((50, 2), 5.0)
    cov = mode_coverage(far, centers, sigma)
    assert cov["modes_covered"] == 0 and cov["high_quality"] == 0.0
    tight = centers[3] + np.clip(one[:90] - centers[3], -sigma, sigma)  # all within 3σ
    mixed = np.concatenate([tight, far[:10]])  # 10 % junk, one mode below the share
    cov = mode_coverage(np.concatenate([mixed, centers[:1]]), centers, sigma, min_share=0.05)
    assert cov["modes_covered"] == 1 and cov["high_quality"] == pytest.approx(91 / 101)


def test_mode_centers_from_labelled_data_and_datasets():
    ring = load_dataset({"name": "gaussian_ring", "noise": 0.02, "val_split": 0.0})
    centers, sigma = mode_centers(ring.x_train, ring.y_train)
    np.testing.assert_allclose(centers, ring_centers(8, 1.0), atol=0.01)
    assert sigma == pytest.approx(0.02, rel=0.15)
    grid = load_dataset({"name": "gaussian_grid", "n_samples": 1000, "spacing": 1.0})
    assert grid.n_classes == 25 and grid.input_shape == (2,)
    assert len(np.unique(grid.y_train)) == 25
    np.testing.assert_allclose(grid_centers(5, 1.0)[[0, 24]], [[-2, -2], [2, 2]])
    names = {e["name"] for e in dataset_catalog()}
    assert {"gaussian_ring", "gaussian_grid", "moons", "spiral"} <= names


def test_discriminator_surface_orientation():
    surface = discriminator_surface(lambda p: p[:, 0] > 0, np.array([-1.0, 1.0, -1.0, 1.0]), 4)
    assert surface.shape == (4, 4) and surface[:, -1].all() and not surface[:, 0].any()


def test_moons_work_for_a_2d_gan():
    trainer = prepare(gan_project(epochs=1, dataset={"name": "moons"},
                                  probes=["mode_coverage", "gan_surface"])).trainer
    last = list(trainer.run())[-1]
    assert int(last.probes["n_modes"]) == 2 and "d_surface" in last.probes


def test_headless_training_reports_and_saves_both_networks(tmp_path):
    import json

    from engine.cli import main
    from engine.project import load_weights, save_project

    path = tmp_path / "gan.layerlab.json"
    save_project(gan_project(epochs=1), path)
    assert main(["train", str(path), "--report", str(tmp_path / "r.json"),
                 "--save-weights"]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["recipe"] == "gan" and report["final"]["n_modes"] == 8
    weights, history = load_weights(tmp_path / "gan.layerlab.npz")
    assert "g1/kernel" in weights and "d1/kernel" in weights and len(history["g_loss"]) == 1


def test_replacing_data_checks_the_shape():
    from engine.types import DataError

    trainer = prepare(gan_project(epochs=1)).trainer
    with pytest.raises(DataError, match="shape"):
        trainer.replace_data(load_dataset({"name": "digits", "n_samples": 100}))
    trainer.replace_data(load_dataset({"name": "moons"}))
    assert np.isfinite(list(trainer.run())[-1].metrics["d_loss"])
