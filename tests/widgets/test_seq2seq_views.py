"""Encoder–decoder views: per-layer token axes (cross-attention) and the Translations list."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.introspection.sequence_probes import input_token_names
from widgets.panels.inside_dock import InsideViews, ViewContext
from widgets.views.attention_view import AttentionView
from widgets.views.hidden_state_view import HiddenStateView
from widgets.views.sequence_common import display_token
from widgets.views.sequence_views import register_views
from widgets.views.translation_view import TranslationView, answer_html, summary_text

SOURCE = list("3 March 2021") + ["<pad>"] * 8  # 20 encoder tokens
DECODER = ["<s>", *"2021-03-0"]  # 10 decoder tokens
SAMPLE = SOURCE + DECODER


def tick_texts(panel, axis):
    return [text for _, text in panel.plot.getAxis(axis)._tickLevels[0]]


def snapshot(name, result):
    return SimpleNamespace(probes={f"introspection:{name}": result})


def attention_result(axes=True):
    rng = np.random.default_rng(0)
    cross = rng.random((2, 10, 20)).astype(np.float32)
    cross /= cross.sum(-1, keepdims=True)
    own = np.full((1, 10, 10), 0.1, dtype=np.float32)
    result = {"index": 0, "layers": {"cross": cross, "self": own},
              "tokens": np.arange(30), "token_names": SAMPLE}
    if axes:
        result["axes"] = {"cross": {"query": DECODER, "key": SOURCE},
                          "self": {"query": DECODER, "key": DECODER}}
    return result


def test_cross_attention_rows_are_decoder_tokens_and_columns_encoder_tokens(qtbot):
    view = AttentionView()
    qtbot.addWidget(view)
    view.update(snapshot("attention", attention_result()))
    assert not view.showing_hint and view.panel.image.image.shape == (10, 20)
    assert tick_texts(view.panel, "left") == [display_token(t) for t in DECODER]
    assert tick_texts(view.panel, "bottom") == [display_token(t) for t in SOURCE]
    assert "cross-attention" in view.panel.toolTip() and "decoder" in view.panel.left
    view.layer_box.setCurrentIndex(1)  # the decoder's self-attention: decoder on both axes
    assert tick_texts(view.panel, "bottom") == [display_token(t) for t in DECODER]
    assert "cross" not in view.panel.toolTip() and "decoder" not in view.panel.left


def test_attention_without_axes_falls_back_to_step_numbers(qtbot):
    view = AttentionView()
    qtbot.addWidget(view)
    view.update(snapshot("attention", attention_result(axes=False)))
    # 10 × 20 positions but a 30-token sample: the names cannot be placed, numbers are
    assert tick_texts(view.panel, "left") == [str(i) for i in range(10)]
    assert tick_texts(view.panel, "bottom") == [str(i) for i in range(20)]


def test_hidden_states_label_each_layer_with_its_own_part(qtbot):
    view = HiddenStateView()
    qtbot.addWidget(view)
    result = {"index": 0, "layers": {"encoder": np.zeros((20, 4), np.float32),
                                     "decoder": np.zeros((10, 4), np.float32)},
              "gates": {}, "tokens": np.arange(30), "token_names": SAMPLE,
              "axes": {"encoder": SOURCE, "decoder": DECODER}}
    view.update(snapshot("hidden_states", result))
    assert tick_texts(view.panel, "bottom") == [display_token(t) for t in SOURCE]
    view.layer_box.setCurrentIndex(1)
    assert tick_texts(view.panel, "bottom") == [display_token(t) for t in DECODER]
    result["axes"] = {"encoder": None, "decoder": None}  # no names: today's labels
    view.update(snapshot("hidden_states", dict(result)))
    assert tick_texts(view.panel, "bottom") == [str(i) for i in range(10)]


ROWS = [{"source": "3 March 2021", "target": "2021-03-03", "predicted": "2021-03-03",
         "correct": True},
        {"source": "12/07/1999", "target": "1999-07-12", "predicted": "1999-01-12",
         "correct": False},
        {"source": "May 5, 1960", "target": "1960-05-05", "predicted": "1960-05",
         "correct": False}]
RESULT = {"rows": ROWS, "exact": 1 / 3, "char_accuracy": 0.8666, "teacher_accuracy": 0.951}


def test_translation_view_lists_answers_with_marks_and_the_headline(qtbot):
    view = TranslationView()
    qtbot.addWidget(view)
    assert view.showing_hint and "translate" in view.hint.text()
    view.update(snapshot("translate", RESULT))
    assert not view.showing_hint
    assert view.shown_rows() == [("3 March 2021", "2021-03-03", "✓", "2021-03-03"),
                                 ("12/07/1999", "1999-01-12", "✗", "1999-07-12"),
                                 ("May 5, 1960", "1960-05___", "✗", "1960-05-05")]
    assert view.headline.text() == (
        "on its own: 87 % of characters, 1 of 3 dates exactly right · with the true previous "
        "characters (teacher forcing): 95 %")
    labels = [label for row in view.rows for label in row.labels]
    view.update(snapshot("translate", {**RESULT, "rows": ROWS[:2]}))  # fewer rows: hidden
    assert len(view.shown_rows()) == 2
    assert [label for row in view.rows for label in row.labels] == labels  # made once
    view.update(snapshot("translate", {"error": "Translations need an encoder–decoder"}))
    assert view.showing_hint and "encoder–decoder" in view.hint.text()


def test_wrong_characters_are_underlined_not_only_coloured():
    text = answer_html("1999-01-12", "1999-07-12")
    assert text.count("<u") == 1 and "1</u>" in text
    assert answer_html("2021", "2021") == "2021"
    assert summary_text({"rows": [], "char_accuracy": None}).startswith("on its own: ?")


def test_translation_requests_follow_the_dataset_layout(qtbot):
    view = TranslationView()
    qtbot.addWidget(view)
    two = load_dataset({"name": "dates", "layout": "encoder-decoder", "n_samples": 60})
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.set_dataset(two)
    opts = sent.args[0]["translate"]
    assert opts["tokens"] == input_token_names(two) and opts["count"] == 8
    assert "decoder_start" not in opts
    view.set_dataset(load_dataset({"name": "dates", "n_samples": 60}))
    opts = view.probe_requests()["translate"]
    assert (opts["decoder_start"], opts["decoder_length"]) == (20, 10)


def test_translation_font_grows_with_the_room(qtbot):
    view = TranslationView()
    qtbot.addWidget(view)
    view.update(snapshot("translate", RESULT))
    view.resize(420, 300)
    view.show()
    qtbot.waitExposed(view)
    small = view.point_size
    view.resize(1400, 900)
    qtbot.waitUntil(lambda: view.point_size > small)
    assert view.rows[0].source.font().pointSizeF() == view.point_size


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_translation_view_survives_empty_snapshots(qtbot, theme):
    view = TranslationView()
    qtbot.addWidget(view)
    view.update(SimpleNamespace(probes={}))
    view.update(snapshot("translate", {"rows": None}))
    view.set_theme(theme)
    view.set_dataset(None)
    assert view.showing_hint and list(view.probe_requests()) == ["translate"]


def test_translations_tab_for_an_encoder_decoder_or_the_dates_dataset(qtbot):
    dock = InsideViews()
    qtbot.addWidget(dock)
    register_views(dock)
    kinds = {"s": "Input", "d": "Input", "e": "Embedding", "l": "LSTM",
             "x": "MultiHeadAttention", "o": "TimeDistributed"}
    dock.set_context(ViewContext(layer_kinds=kinds, task="classification",
                                 input_shape=(30,), n_classes=46,
                                 input_parts=("source", "decoder input")))
    assert dock.visible_keys()[:2] == ["translate", "attention"]
    dock.set_context(ViewContext(layer_kinds=kinds, task="classification",
                                 input_shape=(30,), n_classes=46, dataset="dates"))
    assert "translate" in dock.visible_keys()
    dock.set_context(ViewContext(layer_kinds=kinds, task="classification",
                                 input_shape=(30,), n_classes=46, dataset="copy"))
    assert "translate" not in dock.visible_keys()
