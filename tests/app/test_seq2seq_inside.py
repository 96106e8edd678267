"""The bundled encoder–decoder in "Look inside": the Translations and Attention tabs ask a real
(idle) training session for their probes and draw what comes back."""

from __future__ import annotations

import pytest

from app.document import ProjectDocument
from app.examples import example_path
from app.session import TrainingSession
from engine.datasets.registry import load_dataset
from engine.project import load_project
from widgets.controllers.inside_controller import InsideController
from widgets.views.sequence_common import display_token


@pytest.fixture
def inside(qtbot):
    project = load_project(example_path("dates_seq2seq_attention"))
    project.dataset = {**project.dataset, "n_samples": 300}
    data = load_dataset(project.dataset)
    doc = ProjectDocument(project)
    session = TrainingSession()
    ctl = InsideController(doc, session)
    qtbot.addWidget(ctl.dock)
    ctl.dock.show()
    assert session.load(project, data)
    ctl.set_dataset(data)
    ctl.set_context_from(doc, data)
    yield ctl, data
    session.shutdown()


def test_translations_and_cross_attention_of_the_untrained_example(qtbot, inside):
    ctl, data = inside
    keys = ctl.dock.visible_keys()
    assert keys[:2] == ["translate", "attention"] and "generate" not in keys
    assert ctl.current_key() == "translate"  # the first tab of an encoder-decoder
    assert ctl.dock.show_view("translate")
    view = ctl.dock.view("translate")
    qtbot.waitUntil(lambda: not view.showing_hint, timeout=10_000)
    rows = view.shown_rows()
    assert len(rows) == 8 and all(source and "<" not in source for source, *_ in rows)
    assert all(mark in ("✓", "✗") for _, _, mark, _ in rows)
    assert view.headline.text().startswith("on its own: ")
    assert ctl.dock.show_view("attention")
    attention = ctl.dock.view("attention")
    qtbot.waitUntil(lambda: not attention.showing_hint, timeout=10_000)
    assert attention.panel.image.image.shape == (10, 20)  # decoder steps × source characters
    left = [t for _, t in attention.panel.plot.getAxis("left")._tickLevels[0]]
    assert left[0] == display_token("<s>") and len(left) == 10
    # no plot title since the heatmap took its row back: layer, head and kind are the tooltip
    assert "cross-attention" in attention.panel.toolTip()
