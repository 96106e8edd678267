"""Load weights from another project: layers with matching names and shapes, with a report."""

import json

import numpy as np
import pytest

from engine.cli import main
from engine.graph import Graph
from engine.model import Model
from engine.project import save_weights, weights_path
from engine.types import LayerLabError
from engine.weights_transfer import match_weights, read_project_weights


def net(hidden: int, out: int, extra: bool = False) -> Model:
    layers = [{"kind": "Input", "shape": [2]},
              {"kind": "Dense", "name": "features", "units": 8},
              {"kind": "Dense", "name": "hidden", "units": hidden},
              {"kind": "Dense", "name": "head", "units": out}]
    if extra:
        layers.append({"kind": "Dense", "name": "extra", "units": 2})
    return Model(Graph.sequential(layers), seed=0)


def test_matching_layers_load_and_the_report_says_why_others_did_not():
    pretrained, fresh = net(hidden=6, out=4, extra=True), net(hidden=6, out=3)
    pretrained.params_flat[:] = np.arange(pretrained.params_flat.size) % 7
    picked, report = match_weights(fresh.get_weights(), pretrained.get_weights())
    assert report.loaded == ["features", "hidden"]
    assert [name for name, _ in report.skipped] == ["head"]
    assert "6×3 here but 6×4" in report.skipped[0][1]
    assert report.unused == ["extra"]
    assert report.arrays == (2 * 8 + 8) + (8 * 6 + 6)
    fresh.set_weights(picked)
    mine = fresh.get_weights()
    for key, value in pretrained.get_weights().items():
        if key.startswith(("features", "hidden")):
            np.testing.assert_array_equal(mine[key], value)
    assert not np.array_equal(mine["head/bias"][:3], pretrained.get_weights()["head/bias"][:3])
    text = "\n".join(report.lines("shapes.layerlab.json"))
    assert "Loaded 2 layer(s) from shapes.layerlab.json" in text
    assert "Skipped head:" in text and "Not used" in text


def test_nothing_matching_says_how_names_are_matched():
    _, report = match_weights(net(6, 3).get_weights(), {"other/kernel": np.zeros((2, 2))})
    assert report.loaded == [] and "matched by name and shape" in report.lines()[-1]


def test_missing_sidecar_is_a_plain_message(tmp_path):
    with pytest.raises(LayerLabError, match="does not exist"):
        read_project_weights(tmp_path / "nothing.layerlab.json")


def test_train_init_from_another_project(tmp_path, capsys):
    project = json.loads(open("assets/examples/circles.layerlab.json").read())
    project["training"]["epochs"] = 1
    other, mine = tmp_path / "other.layerlab.json", tmp_path / "mine.layerlab.json"
    other.write_text(json.dumps(project))
    project["graph"]["layers"][1]["trainable"] = False
    mine.write_text(json.dumps(project))
    model = Model(Graph.from_dict(project["graph"]), seed=5)
    save_weights(weights_path(other), model.get_weights())
    code = main(["train", str(mine), "--init-from", str(other), "--report",
                 str(tmp_path / "r.json"), "--save-weights"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Loaded 2 layer(s) from other.layerlab.json" in out
    assert "frozen (not trained)" in out
    saved = read_project_weights(mine)
    np.testing.assert_array_equal(saved["hidden/kernel"], model.get_weights()["hidden/kernel"])


def test_the_fine_tuning_example_starts_from_the_pretrained_convolutions():
    from engine.project import load_project

    digits = load_project("assets/examples/finetune_digits.layerlab.json")
    report = digits.graph.infer_shapes()
    assert report.frozen == {"conv1", "conv2"}
    assert "frozen)" in report.params_text()
    pretrained = read_project_weights("assets/examples/finetune_shapes_pretrained.layerlab.json")
    start = read_project_weights("assets/examples/finetune_digits.layerlab.json")
    model = Model(digits.graph)
    picked, match = match_weights(model.get_weights(), pretrained)
    assert match.loaded == ["conv1", "conv2"] and match.unused == ["shape"]
    for key, value in picked.items():
        np.testing.assert_array_equal(start[key], value)
    assert weights_path("assets/examples/finetune_digits.layerlab.json").stat().st_size < 200_000
