"""Sequence views fed with real probe results of tiny recurrent and attention models."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine import introspection
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.introspection import ProbeBatch, ProbeState, compute_probes
from engine.introspection.sequence_probes import SEQUENCE_RUNNERS, input_token_names
from engine.losses import get_loss
from engine.model import Model
from widgets.views.attention_view import AttentionView
from widgets.views.generated_text_view import GeneratedTextView
from widgets.views.hidden_state_view import HiddenStateView
from widgets.views.sequence_common import display_token
from widgets.views.time_gradient_view import TimeGradientView

T = 8


@pytest.fixture(scope="module")
def chars():
    """A small char-level dataset: its vocabulary names the tokens."""
    return load_dataset({"name": "char_text", "length": T, "n_samples": 40})


@pytest.fixture(autouse=True)
def sequence_runners(monkeypatch):
    for name, runner in SEQUENCE_RUNNERS.items():
        monkeypatch.setitem(introspection.RUNNERS, name, runner)


def lstm_lm(v):
    layers = [{"kind": "Input", "name": "chars", "shape": [T]},
              {"kind": "Embedding", "name": "embed", "input_dim": v, "output_dim": 6},
              {"kind": "LSTM", "name": "lstm", "units": 5, "return_sequences": True},
              {"kind": "TimeDistributed", "name": "next", "units": v, "activation": "softmax"}]
    return Model(Graph.sequential(layers), seed=0)


def attention_net(v):
    layers = [{"kind": "Input", "name": "chars", "shape": [T]},
              {"kind": "Embedding", "name": "embed", "input_dim": v, "output_dim": 6},
              {"kind": "PositionalEncoding", "name": "pos"},
              {"kind": "MultiHeadAttention", "name": "mha", "num_heads": 3, "key_dim": 4},
              {"kind": "SequencePooling", "name": "pool"},
              {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"}]
    return Model(Graph.sequential(layers), seed=0)


def probe_snapshot(model, data, requests):
    x = np.asarray(data.x_val[:8], dtype=np.float32)
    y = np.asarray(data.y_val[:8])
    y_enc = np.eye(data.n_classes, dtype=np.float32)[y]
    batch = ProbeBatch(x=x, labels=y, y_enc=y_enc, loss=get_loss("categorical_crossentropy"),
                       n_classes=data.n_classes)
    results = compute_probes(model, batch, requests, ProbeState())
    return SimpleNamespace(probes={f"introspection:{k}": v for k, v in results.items()})


def tick_texts(panel, axis):
    return [text for _, text in panel.plot.getAxis(axis)._tickLevels[0]]


def test_attention_view_draws_the_chosen_head_with_token_labels(qtbot, chars):
    view = AttentionView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.set_dataset(chars)
    assert sent.args[0]["attention"]["tokens"] == list(chars.class_names)
    snap = probe_snapshot(attention_net(chars.n_classes), chars, view.probe_requests())
    result = snap.probes["introspection:attention"]
    view.update(snap)
    assert not view.showing_hint
    maps = result["layers"]["mha"]
    np.testing.assert_allclose(view.panel.image.image, maps[0])
    assert view.head_box.count() == 4  # 3 heads + their mean
    view.head_box.setCurrentIndex(2)
    np.testing.assert_allclose(view.panel.image.image, maps[2])
    view.head_box.setCurrentIndex(3)
    np.testing.assert_allclose(view.panel.image.image, maps.mean(axis=0), rtol=1e-6)
    names = [chars.class_names[i] for i in chars.x_val[0].astype(int)]
    expected = [display_token(n) for n in names]
    assert tick_texts(view.panel, "bottom") == expected == tick_texts(view.panel, "left")
    assert view.panel.levels == (0.0, 1.0)
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.sample_spin.setValue(3)
    assert sent.args[0]["attention"]["index"] == 3


def test_attention_view_shows_the_probe_error_as_a_hint(qtbot, chars):
    view = AttentionView()
    qtbot.addWidget(view)
    view.update(probe_snapshot(lstm_lm(chars.n_classes), chars, {"attention": {}}))
    assert view.showing_hint and "MultiHeadAttention" in view.hint.text()
    view.update(SimpleNamespace(probes={}))  # nothing new: still the hint, no crash
    assert view.showing_hint


def test_hidden_state_view_switches_between_state_and_gates(qtbot, chars):
    view = HiddenStateView()
    qtbot.addWidget(view)
    view.set_dataset(chars)
    snap = probe_snapshot(lstm_lm(chars.n_classes), chars, view.probe_requests())
    result = snap.probes["introspection:hidden_states"]
    view.update(snap)
    h = result["layers"]["lstm"]
    assert h.shape == (T, 5)
    np.testing.assert_allclose(view.panel.image.image, h.T)  # units down, time across
    assert view.panel.signed and view.panel.levels == (-1.0, 1.0)
    gates = [view.gate_box.itemData(i) for i in range(view.gate_box.count())]
    assert gates == ["hidden_states", "input_gate", "forget_gate", "cell_candidate",
                     "output_gate", "cell_state"]
    view.gate_box.setCurrentIndex(gates.index("forget_gate"))
    np.testing.assert_allclose(view.panel.image.image, result["gates"]["lstm"]["forget_gate"].T)
    assert not view.panel.signed and view.panel.levels == (0.0, 1.0)
    assert "forget gate" in view.panel.title
    assert len(tick_texts(view.panel, "bottom")) == T


def test_hidden_state_view_hint_for_a_network_without_recurrence(qtbot, chars):
    view = HiddenStateView()
    qtbot.addWidget(view)
    view.update(probe_snapshot(attention_net(chars.n_classes), chars, {"hidden_states": {}}))
    assert view.showing_hint and "recurrent layer" in view.hint.text()


def test_time_gradient_view_plots_log_norms_and_asks_for_the_source(qtbot, chars):
    view = TimeGradientView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.source_box.setCurrentIndex(1)
    assert sent.args[0] == {"time_gradients": {"source": "last"}}
    snap = probe_snapshot(lstm_lm(chars.n_classes), chars, view.probe_requests())
    result = snap.probes["introspection:time_gradients"]
    assert result["source"] == "last"
    view.update(snap)
    assert not view.showing_hint and list(view.curves) == ["lstm"]
    xs, ys = view.curves["lstm"].getData()
    np.testing.assert_array_equal(xs, np.arange(T))
    np.testing.assert_allclose(ys, np.log10(result["layers"]["lstm"]))
    assert "lstm: step 0 gets" in view.summary.text()
    view.update(probe_snapshot(attention_net(chars.n_classes), chars, {"time_gradients": {}}))
    assert view.showing_hint and "recurrent layer" in view.hint.text()


def test_generated_text_view_requests_follow_its_controls(qtbot, chars):
    view = GeneratedTextView()
    qtbot.addWidget(view)
    view.set_dataset(chars)
    req = view.probe_requests()["generate"]
    assert req["tokens"] == input_token_names(chars) and req["method"] == "sample"
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.temperature.setValue(50)
    assert sent.args[0]["generate"]["temperature"] == pytest.approx(0.5)
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.top_k.setValue(4)
    assert sent.args[0]["generate"]["top_k"] == 4
    with qtbot.waitSignal(view.requests_changed) as sent:
        view.method_box.setCurrentIndex(view.method_box.findData("greedy"))
    assert sent.args[0]["generate"]["method"] == "greedy"
    assert not view.temperature.isEnabled() and not view.top_k.isEnabled()
    view.prompt.setText("the ")
    view.length.setValue(12)
    snap = probe_snapshot(lstm_lm(chars.n_classes), chars, view.probe_requests())
    result = snap.probes["introspection:generate"]
    view.update(snap)
    assert not view.showing_hint
    assert view.shown_text() == result["text"] and result["text"].startswith("the ")
    assert len(result["generated"]) == 12


def test_generated_text_view_hint_without_a_vocabulary(qtbot, chars):
    view = GeneratedTextView()
    qtbot.addWidget(view)
    view.set_dataset(load_dataset({"name": "xor"}))  # no tokens
    assert "tokens" not in view.probe_requests()["generate"]
    view.update(probe_snapshot(lstm_lm(chars.n_classes), chars, view.probe_requests()))
    assert view.showing_hint and "vocabulary" in view.hint.text()


@pytest.mark.parametrize("cls", [AttentionView, HiddenStateView, TimeGradientView,
                                 GeneratedTextView])
def test_views_switch_theme_and_survive_empty_snapshots(qtbot, cls):
    view = cls()
    qtbot.addWidget(view)
    view.update(SimpleNamespace(probes={}))
    view.update(SimpleNamespace(probes={"introspection:attention": {"layers": {}}}))
    view.set_theme("dark")
    view.set_theme("light")
    view.set_dataset(None)
    assert view.showing_hint
    assert isinstance(view.probe_requests(), dict) and len(view.probe_requests()) == 1


def test_token_labels_stay_readable():
    assert [display_token(t) for t in (" ", "\n", "<pad>", "<s>", "<eos>", "a")] == [
        "␣", "↵", "·", "▸", "eos", "a"]
    assert display_token("extraordinarily") == "extraordi…"


def test_register_views_adds_tabs_for_the_right_networks(qtbot):
    from widgets.panels.inside_dock import InsideViews, ViewContext
    from widgets.views.sequence_views import register_views

    dock = InsideViews()
    qtbot.addWidget(dock)
    views = register_views(dock)
    assert set(views) == {"attention", "hidden_states", "time_gradients", "generate",
                          "translate"}
    lm = ViewContext(layer_kinds={"i": "Input", "e": "Embedding", "r": "LSTM",
                                  "o": "TimeDistributed"},
                     task="classification", input_shape=(40,), n_classes=60)
    dock.set_context(lm)
    assert dock.visible_keys() == ["hidden_states", "time_gradients", "generate"]
    transformer = ViewContext(layer_kinds={"i": "Input", "e": "Embedding",
                                           "a": "MultiHeadAttention", "o": "Dense"},
                              task="classification", input_shape=(16,), n_classes=2)
    dock.set_context(transformer)
    assert dock.visible_keys() == ["attention"]
    dock.set_context(ViewContext(layer_kinds={"i": "Input", "d": "Dense"},
                                 task="classification", input_shape=(2,), n_classes=2))
    assert dock.visible_keys() == []
