"""engine.readiness: every bundled example is ready, broken projects list all their problems
with fixes that mend them, what is refused is what the engine refuses, and the check is cheap."""

from __future__ import annotations

import copy
import time

import pytest

from app.examples import example_path, list_examples
from engine.datasets.registry import load_dataset
from engine.graph import Edge
from engine.project import load_project
from engine.readiness import InsertLayer, SetOptions, check_ready, errors, refusal
from engine.recipes import prepare
from engine.types import LayerLabError

KEYS = [e.key for e in list_examples() if e.ok]


@pytest.fixture(scope="module")
def digits():
    return load_dataset({"name": "digits"})


def project(key: str):
    return load_project(example_path(key))


def apply(proj, fix) -> None:
    """What app.readiness.apply_fix does through the document, straight on the graph."""
    for edit in fix.edits:
        if isinstance(edit, SetOptions):
            proj.graph.set_options(edit.layer, dict(edit.options))
        else:
            assert isinstance(edit, InsertLayer)
            wire = next(e for e in proj.graph.in_edges(edit.before) if e.port == edit.port)
            proj.graph.disconnect(wire)
            node = proj.graph.add_node(edit.kind)
            proj.graph.connect(wire.source, node.name)
            proj.graph.connect(node.name, wire.target, wire.port)


@pytest.mark.parametrize("key", KEYS)
def test_every_example_is_ready(key):
    proj = project(key)
    assert check_ready(proj, load_dataset(proj.dataset)) == []


def test_all_problems_at_once_each_with_its_fix(digits):
    proj = project("digits_mlp")
    g = proj.graph
    g.set_options("pixels", {**g.nodes["pixels"].options, "shape": [2]})
    g.set_options("digit", {**g.nodes["digit"].options, "units": 1, "activation": "sigmoid"})
    problems = check_ready(proj, digits)
    assert [p.layer for p in problems] == ["pixels", "digit"]
    assert problems[0].fix is not None and problems[0].fix.label == "Set Input shape to 64"
    apply(proj, problems[0].fix)
    (problem,) = check_ready(proj, digits)
    assert "10 classes" in problem.message and problem.layer == "digit"
    assert problem.fix is not None and problem.fix.label == "Set 'digit' to 10 units with softmax"
    apply(proj, problem.fix)
    assert check_ready(proj, digits) == []


def test_graph_problems_are_all_listed():
    proj = project("spiral")
    empty = copy.deepcopy(proj)
    for name in list(empty.graph.nodes):
        empty.graph.remove_node(name)
    data = load_dataset(proj.dataset)
    assert "canvas is empty" in check_ready(empty, data)[0].message
    g = proj.graph
    first = g.input_nodes()[0]
    g.disconnect(g.out_edges(first)[0])
    g.add_node("Dense", "lonely", {"units": 3})
    texts = [p.message for p in errors(check_ready(proj, data))]
    assert any("not connected" in t and first in t for t in texts)
    assert any("lonely" in t for t in texts) and len(texts) >= 3
    assert refusal(check_ready(proj, data)).startswith(texts[0])
    assert f"({len(texts) - 1} more problem" in refusal(check_ready(proj, data))


def test_a_dense_on_an_image_gets_a_flatten(digits):
    proj = project("digits_cnn")
    data = load_dataset(proj.dataset)
    proj.graph.remove_node("flat")
    proj.graph.connect("conv2", "dropout")
    problems = check_ready(proj, data)
    fixes = [p.fix for p in problems if p.fix is not None]
    assert fixes and fixes[0].label == "Insert a Flatten before 'digit'"
    apply(proj, fixes[0])
    assert check_ready(proj, data) == []


def test_loops_and_crowded_ports(digits):
    proj = project("digits_mlp")
    proj.graph.edges.append(Edge("digit", "hidden", 1))
    assert "loop" in check_ready(proj, digits)[0].message
    proj = project("digits_mlp")
    proj.graph.add_node("Input", "more", {"shape": [64]})
    proj.graph.edges.append(Edge("more", "hidden", 1))
    assert any("takes 1 input(s) but 2 wires" in p.message for p in check_ready(proj, digits))


def refused_by_engine(proj, data) -> bool:
    try:
        prepare(proj, data)
    except LayerLabError:
        return True
    return False


def test_regression_data_under_a_classifier_head():
    proj = project("digits_mlp")
    sine = load_dataset({"name": "sine", "n_samples": 100})
    proj.graph.set_options("pixels", {"shape": [1]})
    (problem,) = check_ready(proj, sine)
    assert "regression" in problem.message and problem.fix is not None
    assert problem.fix.label == "Set 'digit' to 1 unit(s) with a linear output"
    apply(proj, problem.fix)
    assert check_ready(proj, sine) == []


@pytest.mark.parametrize("recipe, key", [("perceptron", "digits_mlp"), ("vae", "ae_digits_2d"),
                                         ("gan", "digits_mlp"), ("autoencoder", "circles")])
def test_recipes_refuse_what_their_trainers_refuse(recipe, key):
    proj = project(key)
    proj.recipe = recipe
    data = load_dataset(proj.dataset)
    assert errors(check_ready(proj, data))
    assert refused_by_engine(proj, data)


def test_settings_the_trainer_refuses(digits):
    proj = project("digits_mlp")
    proj.training.augment = {"shift": 2}  # flat samples cannot be shifted
    assert any("Augmentation" in p.message for p in check_ready(proj, digits))
    assert refused_by_engine(proj, digits)


def test_no_data_says_why(digits):
    proj = project("digits_mlp")
    (problem,) = check_ready(proj, None, data_error="The folder is missing.")
    assert problem.message == "The folder is missing."


def test_the_check_is_cheap_on_the_largest_example():
    sizes = {key: len(project(key).graph.nodes) for key in KEYS}
    key = max(sizes, key=lambda k: sizes[k])
    proj = project(key)
    data = load_dataset(proj.dataset)
    check_ready(proj, data)
    start = time.perf_counter()
    for _ in range(20):
        check_ready(proj, data)  # shape inference included
    per_check = (time.perf_counter() - start) / 20
    assert per_check < 0.02, f"{key}: {per_check * 1000:.1f} ms per check"
