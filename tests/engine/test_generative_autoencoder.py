"""Autoencoder recipe: training on digits, denoising, sparsity, latent probes, project files."""

import json

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.generative import latent
from engine.generative.autoencoder import AutoencoderTrainer, corrupt
from engine.generative.graph_tools import code_layer, forward_from
from engine.generative.options import recipe_option_specs
from engine.graph import Graph
from engine.model import Model
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig
from engine.types import ConfigError
from tests.engine.gradcheck import assert_close, numeric_grad

DIGITS = {"name": "digits", "n_samples": 600}


def ae_graph(n_in=64, code=8, out_act="sigmoid"):
    return Graph.sequential([
        {"kind": "Input", "shape": [n_in]},
        {"kind": "Dense", "name": "enc", "units": 32, "activation": "relu"},
        {"kind": "Dense", "name": "code", "units": code, "activation": "relu"},
        {"kind": "Dense", "name": "dec", "units": 32, "activation": "relu"},
        {"kind": "Dense", "name": "out", "units": n_in, "activation": out_act},
    ])


def project(recipe_options=None, epochs=5, graph=None, probes=()):
    return Project(graph=graph or ae_graph(), dataset=dict(DIGITS), recipe="autoencoder",
                   training=TrainConfig(epochs=epochs, batch_size=32, probes=list(probes),
                                        optimizer_options={"learning_rate": 0.003},
                                        recipe_options=dict(recipe_options or {})))


def test_autoencoder_on_digits_reduces_reconstruction_mse_clearly():
    prepared = prepare(project(epochs=6))
    trainer = prepared.trainer
    data = prepared.data
    before = trainer.evaluate(data.x_val, trainer.y_val, data.y_val)["recon"]
    snaps = list(trainer.run())
    after = snaps[-1].metrics["val_recon"]
    assert snaps[-1].event == "finished"
    assert after < 0.45 * before, (before, after)
    assert after < 0.08  # 0.178 -> 0.066 measured
    assert trainer.history["val_recon"][-1] == pytest.approx(after)


def test_code_layer_defaults_to_the_narrowest_and_can_be_named():
    model = Model(ae_graph(code=8))
    assert code_layer(model) == "code"
    assert code_layer(model, "dec") == "dec"
    with pytest.raises(ConfigError, match="not a hidden layer"):
        code_layer(model, "out")


def test_output_must_match_the_input():
    graph = ae_graph()
    graph.set_options("out", {"units": 10, "activation": "sigmoid"})
    with pytest.raises(ConfigError, match="rebuilds its input"):
        prepare(project(graph=graph))


def test_bce_needs_a_sigmoid_output():
    with pytest.raises(ConfigError, match="sigmoid"):
        prepare(project({"reconstruction_loss": "bce"}, graph=ae_graph(out_act="relu")))
    trainer = prepare(project({"reconstruction_loss": "bce"}, epochs=1)).trainer
    assert trainer.model.logits_mode
    assert np.isfinite(list(trainer.run())[-1].metrics["val_loss"])


def test_corrupt_adds_noise_to_the_input_only_as_asked():
    rng = np.random.default_rng(0)
    x = np.ones((2000, 10), np.float32)
    masked = corrupt(x, "masking", 0.3, rng)
    assert set(np.unique(masked)) == {0.0, 1.0} and (masked == 0).mean() == pytest.approx(0.3,
                                                                                         abs=0.02)
    noisy = corrupt(x, "gaussian", 0.5, rng)
    assert (noisy - x).std() == pytest.approx(0.5, abs=0.02) and noisy.dtype == np.float32
    assert corrupt(x, "none", 0.5, rng) is x


def test_denoising_trains_against_the_clean_input():
    trainer = prepare(project({"input_noise": "masking", "noise_level": 0.3}, epochs=3)).trainer
    seen = []
    original = trainer.stepper.train_batch
    trainer.stepper.train_batch = lambda xb, yb, s: seen.append((xb.copy(), yb.copy())) or \
        original(xb, yb, s)
    list(trainer.run())
    xb, yb = seen[0]
    assert (xb == 0).mean() > (yb == 0).mean() + 0.1  # inputs masked, targets clean
    losses = trainer.history["val_recon"]
    assert losses[-1] < losses[0]


def test_sparsity_penalty_gradient_enters_at_the_code_layer():
    """Model.backward(extra=...) adds λ·sign(h)/B at the code layer: finite differences."""
    graph = Graph.sequential([
        {"kind": "Input", "shape": [3]}, {"kind": "Dense", "name": "h", "units": 2,
                                          "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": 3}])
    model = Model(graph, seed=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, w, lam = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), 0.3

    def loss() -> float:
        out = model.forward(x, training=True)
        h = model.activations_of()["h"]
        return float(np.sum(out * w)) + lam * float(np.abs(h).sum()) / len(x)

    loss()
    h = model.activations_of()["h"]
    model.backward(w, extra={"h": lam / len(x) * np.sign(h)})
    analytic = model.grads_flat.copy()
    assert_close(analytic, numeric_grad(loss, model.params_flat), rtol=1e-6, atol=1e-8)


def test_sparse_autoencoder_has_smaller_code_activations():
    def mean_code(sparsity: float) -> float:
        trainer = prepare(project({"sparsity": sparsity}, epochs=3)).trainer
        list(trainer.run())
        codes = latent.encode(trainer.model, trainer.code, trainer.data.x_val)
        return float(np.abs(codes).mean())

    sparse, dense = mean_code(0.01), mean_code(0.0)
    assert 0.0 < sparse < 0.5 * dense  # smaller, yet not all dead


def test_latent_probes_decode_encode_and_interpolate():
    trainer = prepare(project(epochs=1, probes=["latent_codes", "latent_grid",
                                                 "reconstructions", "interpolation"])).trainer
    snap = list(trainer.run())[-1]
    p = snap.probes
    assert p["latent_codes"].shape == (len(trainer.data.x_val), 2)
    assert p["latent_axes"].shape == (2, 8) and p["latent_grid"].shape == (10, 10, 64)
    assert p["recon_inputs"].shape == p["recon_outputs"].shape == (8, 64)
    assert p["interpolation"].shape == (8, 64)
    model, code, x = trainer.model, trainer.code, trainer.data.x_val[:5]
    z = latent.encode(model, code, x)
    np.testing.assert_allclose(latent.decode(model, code, z), model.predict(x), rtol=1e-5,
                               atol=1e-6)
    path = latent.interpolate(model, code, x[0], x[1], steps=5)
    np.testing.assert_allclose(path[[0, -1]], model.predict(x[:2]), rtol=1e-5, atol=1e-6)
    # a 2-D window lifted back through the projection decodes like the lifted codes
    points, mean, axes = latent.project_2d(z)
    one = latent.decode_point(model, code, points[0], mean, axes)
    assert one.shape == (64,)
    np.testing.assert_allclose(latent.lift(points, mean, axes) @ axes.T - mean @ axes.T, points,
                               atol=1e-4)


def test_project_2d_keeps_two_dimensional_codes():
    codes = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    points, mean, axes = latent.project_2d(codes)
    np.testing.assert_array_equal(points, codes)
    model = Model(ae_graph(code=2))  # a 2-D code decodes directly over the window
    grid = latent.decode_grid(model, "code", np.array([-1.0, 1.0, 0.0, 2.0]), n=3)
    assert grid.shape == (3, 3, 64)
    np.testing.assert_allclose(grid[2, 0], latent.decode_point(model, "code", [-1.0, 2.0]),
                               rtol=1e-5)


def test_decoding_needs_a_cut_through_the_graph():
    g = Graph()
    g.add_node("Input", "inp", {"shape": [4]})
    g.add_node("Dense", "a", {"units": 2})
    g.add_node("Concatenate", "cat")
    g.add_node("Dense", "out", {"units": 4})
    for s, t in [("inp", "a"), ("a", "cat"), ("inp", "cat"), ("cat", "out")]:
        g.connect(s, t)
    model = Model(g)
    with pytest.raises(ConfigError, match="cannot be decoded"):
        forward_from(model, "a", np.zeros((1, 2), np.float32))


def test_recipe_and_options_round_trip_and_old_files_load():
    p = project({"input_noise": "gaussian", "sparsity": 0.01})
    again = Project.from_dict(json.loads(json.dumps(p.to_dict())))
    assert again.recipe == "autoencoder"
    assert again.training.recipe_options == {"input_noise": "gaussian", "sparsity": 0.01}
    old = p.to_dict()
    del old["training"]["recipe_options"]
    old["recipe"] = "supervised"
    assert Project.from_dict(old).training.recipe_options == {}
    with pytest.raises(ConfigError, match="unknown option"):
        prepare(project({"betta": 1.0}))
    assert {s["name"] for s in recipe_option_specs("vae")} >= {"beta", "kl_warmup_epochs"}


def test_replace_data_keeps_training():
    trainer = prepare(project(epochs=1)).trainer
    trainer.replace_data(load_dataset({"name": "digits", "n_samples": 300, "seed": 4}))
    assert trainer.y_train.shape == trainer.data.x_train.shape
    assert isinstance(trainer, AutoencoderTrainer)
    assert np.isfinite(list(trainer.run())[-1].metrics["val_loss"])


def test_headless_training_reports_the_reconstruction(tmp_path):
    from engine.cli import main
    from engine.project import save_project

    path = tmp_path / "ae.layerlab.json"
    save_project(project(epochs=1), path)
    assert main(["train", str(path), "--report", str(tmp_path / "r.json")]) == 0
    final = json.loads((tmp_path / "r.json").read_text())["final"]
    assert final["split"] == "validation" and 0 < final["mse"] < 0.2
