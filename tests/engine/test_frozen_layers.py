"""Frozen layers (trainable: false): skipped by the optimizer, gradients still flow through,
BatchNormalization keeps its statistics, the option round-trips, parameter counts split."""

import json

import numpy as np

from engine.cli import main
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.layers.registry import layer_class
from engine.model import Model
from engine.stepper import GenericStepper
from engine.training import TrainConfig, Trainer


def chain(frozen: str | None = None, bn: bool = False) -> Graph:
    layers = [
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "first", "units": 8, "activation": "tanh"},
        {"kind": "Dense", "name": "middle", "units": 6, "activation": "tanh"},
    ]
    if bn:
        layers.append({"kind": "BatchNormalization", "name": "bn"})
    layers.append({"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"})
    for layer in layers:
        if frozen and layer.get("name") == frozen:
            layer["trainable"] = False
    return Graph.sequential(layers)


def blobs():
    return load_dataset({"name": "blobs", "n_classes": 3, "n_samples": 120})


def test_frozen_middle_layer_stays_bit_identical_while_earlier_layers_learn():
    model = Model(chain(frozen="middle"), seed=1)
    before = {k: v.copy() for k, v in model.get_weights().items()}
    config = TrainConfig(optimizer="adamw", epochs=3, batch_size=16,
                         optimizer_options={"learning_rate": 0.05, "weight_decay": 0.1},
                         clip_norm=1.0)
    trainer = Trainer(model, blobs(), config)
    assert isinstance(trainer.stepper, GenericStepper)  # the fused path falls back
    snaps = list(trainer.run())
    assert snaps[-1].event == "finished"
    after = model.get_weights()
    for key in before:
        if key.startswith("middle"):
            assert np.array_equal(before[key], after[key]), key
        else:
            assert not np.array_equal(before[key], after[key]), key


def test_gradients_flow_through_a_frozen_layer_unchanged():
    x = np.random.default_rng(0).normal(size=(5, 2))
    grads = []
    for frozen in (None, "middle"):
        model = Model(chain(frozen=frozen), seed=3, dtype=np.float64)
        out = model.forward(x, training=True)
        model.backward(out - 0.5)
        grads.append(model.grads_flat.copy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert np.abs(grads[1]).sum() > 0


def test_batchnorm_frozen_keeps_running_statistics_and_runs_in_inference_mode():
    model = Model(chain(frozen="bn", bn=True), seed=2)
    bn = model.layers["bn"]
    state = {k: v.copy() for k, v in bn.state.items()}
    gamma = bn.params["gamma"].copy()
    x = np.random.default_rng(1).normal(size=(16, 2)).astype(np.float32)
    np.testing.assert_array_equal(model.forward(x, training=True),
                                  model.forward(x, training=False))
    list(Trainer(model, blobs(), TrainConfig(epochs=2, batch_size=16)).run())
    for key, value in state.items():
        np.testing.assert_array_equal(bn.state[key], value)
    np.testing.assert_array_equal(bn.params["gamma"], gamma)
    trained = Model(chain(bn=True), seed=2)  # trainable: its statistics move
    list(Trainer(trained, blobs(), TrainConfig(epochs=2, batch_size=16)).run())
    assert not np.array_equal(trained.layers["bn"].state["moving_mean"], state["moving_mean"])


def test_trainable_option_round_trips_and_defaults_to_true():
    assert any(s.name == "trainable" for s in layer_class("Dense").config_spec)
    assert any(s.name == "trainable" for s in layer_class("Conv2D").config_spec)
    assert not any(s.name == "trainable" for s in layer_class("Flatten").config_spec)
    graph = chain(frozen="middle")
    data = json.loads(json.dumps(graph.to_dict()))
    saved = {n["name"]: n for n in data["layers"]}
    assert saved["middle"]["trainable"] is False
    assert "trainable" not in saved["first"]  # left out while true: old files unchanged
    loaded = Graph.from_dict(data)
    assert loaded.nodes["middle"].options["trainable"] is False
    model = Model(loaded)
    assert not model.layers["middle"].trainable and model.layers["first"].trainable


def test_parameter_count_splits_trainable_and_frozen(tmp_path, capsys):
    report = chain(frozen="middle").infer_shapes()
    assert report.frozen == {"middle"}
    assert report.frozen_params == 8 * 6 + 6
    assert report.params_text() == f"{report.total_params:,} parameters (54 frozen)"
    assert chain().infer_shapes().params_text() == f"{report.total_params:,} parameters"
    project = json.loads(open("assets/examples/circles.layerlab.json").read())
    project["graph"]["layers"][1]["trainable"] = False
    path = tmp_path / "frozen.layerlab.json"
    path.write_text(json.dumps(project))
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "frozen)" in out and "params  frozen" in out


def test_fused_path_only_without_frozen_layers():
    from engine import backend
    from engine.fused_mlp import FusedMLPStepper

    if backend.current() != "numba":
        return
    trainer = Trainer(Model(chain(), seed=0), blobs(), TrainConfig())
    assert isinstance(trainer.stepper, FusedMLPStepper)
    trainer = Trainer(Model(chain(frozen="first"), seed=0), blobs(), TrainConfig())
    assert isinstance(trainer.stepper, GenericStepper)


def _frozen_stays(prepared, layer_names):
    model = prepared.model
    before = model.get_weights()
    snaps = list(prepared.trainer.run())
    assert snaps[-1].event == "finished", snaps[-1].message
    after = model.get_weights()
    for key in before:
        same = np.array_equal(before[key], after[key])
        assert same == (key.split("/")[0] in layer_names), key


def test_the_autoencoder_leaves_a_frozen_layer_alone():
    from engine.recipes import prepare
    from tests.engine.test_generative_autoencoder import ae_graph
    from tests.engine.test_generative_autoencoder import project as ae_project

    graph = ae_graph()
    graph.set_options("enc", {**graph.nodes["enc"].options, "trainable": False})
    _frozen_stays(prepare(ae_project(epochs=1, graph=graph)), {"enc"})


def test_the_gan_leaves_frozen_layers_of_both_networks_alone():
    from engine.recipes import prepare
    from tests.engine.test_generative_gan import gan_graph, gan_project

    graph = gan_graph()
    for name in ("g1", "d3"):  # one layer of each network
        graph.set_options(name, {**graph.nodes[name].options, "trainable": False})
    _frozen_stays(prepare(gan_project(epochs=1, graph=graph)), {"g1", "d3"})
