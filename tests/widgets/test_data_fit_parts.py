"""The data-fit banner for datasets whose samples are several parts (dates, encoder-decoder)."""

from __future__ import annotations

import pytest

from engine.datasets.registry import load_dataset
from engine.graph import Graph
from widgets.panels.data_fit import describe, input_problem
from widgets.panels.dataset_panel import DatasetPanel

TWO = {"name": "dates", "layout": "encoder-decoder", "n_samples": 60}


@pytest.fixture(scope="module")
def two_parts():
    return load_dataset(TWO)


def inputs(*specs):
    g = Graph()
    for name, shape, part in specs:
        g.add_node("Input", name, {"shape": [shape], "part": part})
    return g


def test_describe_names_the_parts(two_parts):
    assert "input: source 20 + decoder input 10" in describe(two_parts)
    assert "input 30" in describe(load_dataset({"name": "dates", "n_samples": 60}))


def test_a_part_with_the_wrong_shape_gets_a_one_click_fix(two_parts):
    g = inputs(("date", 12, "source"), ("answer_so_far", 10, "decoder input"))
    text, fix, button = input_problem(two_parts, g)
    assert button == "Set 'date' shape to 20" and "'source'" in text
    assert fix == ("date", {"shape": [20], "part": "source"})
    g = inputs(("date", 20, "source"), ("answer_so_far", 9, "decoder input"))
    assert input_problem(two_parts, g)[2] == "Set 'answer_so_far' shape to 10"
    assert input_problem(two_parts, inputs(("date", 20, "source"),
                                           ("answer_so_far", 10, "decoder input"))) is None


def test_one_whole_input_is_told_about_the_parts_without_a_fix(two_parts):
    text, fix, button = input_problem(two_parts, inputs(("chars", 20, "")))
    assert fix is None and button == ""
    assert "two parts" in text and "source 20, decoder input 10" in text
    assert "Receives" in text
    # the packed width reads both parts as one sequence: nothing to fix
    assert input_problem(two_parts, inputs(("chars", 30, ""))) is None


def test_unknown_or_missing_parts_are_explained(two_parts):
    text, fix, _ = input_problem(two_parts, inputs(("date", 20, "sauce"),
                                                   ("answer", 10, "decoder input")))
    assert fix is None and "'sauce'" in text and "'decoder input'" in text
    text, fix, button = input_problem(two_parts, inputs(("date", 20, "source"),
                                                        ("answer", 10, "")))
    assert button == "Let 'answer' receive 'decoder input'"
    assert fix == ("answer", {"shape": [10], "part": "decoder input"})


def test_parts_on_data_without_parts():
    xor = load_dataset({"name": "xor"})
    text, fix, button = input_problem(xor, inputs(("x", 2, "source")))
    assert fix == ("x", {"shape": [2], "part": ""}) and "whole" in button
    text, fix, button = input_problem(xor, inputs(("a", 2, "source"), ("b", 2, "target")))
    assert fix is None and "2 Input layers" in text


def test_panel_shows_the_explanation_without_a_fix_button(qtbot, doc):
    panel = DatasetPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(400, 900)
    panel.show()
    doc.add_layer("Input", (0.0, 0.0), {"shape": [20]})
    doc.set_dataset(TWO)
    panel.ensure_current()
    assert panel.banner.isVisibleTo(panel) and "two parts" in panel.banner.text()
    assert panel.fix_text == "" and not panel.fix_button.isVisibleTo(panel)
    assert "source 20 + decoder input 10" in panel.info.text()
