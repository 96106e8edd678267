"""The "Look inside" views fed real engine outputs (digits MLP, a few epochs of training)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.coach import Advice
from engine.introspection import probe_batch_from
from engine.project import load_project
from engine.recipes import prepare
from engine.snapshots import Snapshot

DIGITS = Path(__file__).resolve().parents[2] / "assets" / "examples" / "digits_mlp.layerlab.json"
REQUESTS = {"saliency": {"method": "grad_x_input", "index": 3}, "fgsm": {"epsilon": 0.05},
            "latent": {"layer": "hidden"}, "dynamics": {}, "evaluation": {}}


@pytest.fixture(scope="module")
def run():
    """(prepared, snapshots with introspection probes) of 3 epochs of the digits MLP."""
    project = load_project(DIGITS)
    project.training.epochs = 3
    prepared = prepare(project)
    trainer = prepared.trainer
    grid = trainer.probe_grid
    grid.probe_batch, grid.introspection_budget_s = probe_batch_from(trainer), None
    grid.set_introspection(REQUESTS)
    trainer.config.probes = ["introspection"]
    snaps = [s for s in trainer.run(lambda: False) if s.probes]
    assert len(snaps) >= 3
    return prepared, snaps


def with_probe(snap: Snapshot, name: str, value) -> Snapshot:
    return replace(snap, probes={f"introspection:{name}": value})


def test_saliency_view_overlays_heat_and_asks_for_what_it_shows(qtbot, run):
    from widgets.views.saliency_view import SaliencyView
    prepared, snaps = run
    view = SaliencyView()
    qtbot.addWidget(view)
    view.set_layers(prepared.model.report.shapes)
    assert not view.method_box.model().item(4).isEnabled()  # no conv layer: no Grad-CAM
    assert view.showing_hint
    view.update(snaps[-1])
    assert not view.showing_hint
    heat = snaps[-1].probes["introspection:saliency"]["heat"]
    overlay = view.panel.overlay.image
    assert overlay.shape == (8, 8, 4)
    assert np.unravel_index(np.argmax(overlay[..., 3]), (8, 8)) == np.unravel_index(
        np.argmax(heat), (8, 8))  # the most salient pixel is the most opaque
    assert view.class_box.count() == 11  # predicted + 10 classes
    with qtbot.waitSignal(view.requests_changed) as sig:
        view.sample_spin.setValue(9)
    assert sig.args[0]["saliency"]["index"] == 9
    with qtbot.waitSignal(view.requests_changed) as sig:
        view.class_box.setCurrentIndex(4)
    assert sig.args[0]["saliency"]["target"] == 3
    view.opacity.setValue(0)
    assert view.panel.overlay.image[..., 3].max() == 0
    view.update(with_probe(snaps[-1], "saliency", {"error": "Pick a layer."}))
    assert view.showing_hint and "Pick a layer" in view.hint.text()


def test_saliency_grad_cam_request_for_conv_layers(qtbot):
    from widgets.views.saliency_view import SaliencyView
    view = SaliencyView()
    qtbot.addWidget(view)
    view.set_layers({"image": (1, 8, 8), "conv1": (4, 6, 6), "conv2": (4, 4, 4), "out": (10,)},
                    "image")
    assert view.method_box.model().item(4).isEnabled()
    with qtbot.waitSignal(view.requests_changed) as sig:
        view.method_box.setCurrentIndex(4)
    assert sig.args[0] == {"grad_cam": {"index": 0, "target": None, "layer": "conv2"}}
    assert view.layer_box.isVisibleTo(view)


def test_adversarial_view_shows_three_panels_and_epsilon(qtbot, run):
    from widgets.views.adversarial_view import AdversarialView
    _, snaps = run
    view = AdversarialView()
    qtbot.addWidget(view)
    assert view.eps_label.text() == "ε = 0.007"
    assert view.probe_requests()["fgsm"]["epsilon"] == pytest.approx(0.007)
    view.update(snaps[-1])
    r = snaps[-1].probes["introspection:fgsm"]
    assert [p.base.image.shape for p in view.panels] == [(8, 8, 4)] * 3
    assert f"predicted {int(r['original_pred'])}" in view.labels[0].text()
    assert f"predicted {int(r['adversarial_pred'])}" in view.labels[2].text()
    with qtbot.waitSignal(view.requests_changed) as sig:
        view.set_epsilon(0.2)
    assert sig.args[0]["fgsm"]["epsilon"] == pytest.approx(0.2)


def test_latent_view_colours_by_class_and_hovers(qtbot, run):
    from widgets.views.layer_latent_view import LayerLatentView
    prepared, snaps = run
    view = LayerLatentView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.requests_changed) as sig:
        view.set_layers(prepared.model.report.shapes, prepared.model.input_name)
    assert sig.args[0] == {"latent": {"layer": "hidden"}}
    view.update(snaps[-1])
    r = snaps[-1].probes["introspection:latent"]
    x, y = view.scatter.getData()
    assert np.allclose(x, r["points"][:, 0]) and np.allclose(y, r["points"][:, 1])
    label = int(r["labels"][7])
    assert view.hover_text(7) == f"sample 7 · class {label}"


def test_dynamics_view_builds_history_and_bars(qtbot, run):
    from widgets.views.dynamics_view import DynamicsView
    _, snaps = run
    view = DynamicsView()
    qtbot.addWidget(view)
    for snap in snaps:
        view.update(snap)
        view.update(snap)  # the same frame twice adds one column only
    m = view.heat_matrix()
    assert m.shape == (40, len(snaps)) and m.max() == pytest.approx(1.0)
    assert view.key_box.currentText() == "hidden/kernel"
    view.kind_box.setCurrentIndex(2)  # activations
    assert view.key_box.currentText() in ("hidden", "dropout", "digit")
    dead = snaps[-1].probes["introspection:dynamics"]["dead_fraction"]["hidden"]
    assert view.bar_items[2].opts["height"][0] == pytest.approx(dead)


def test_evaluation_view_table_curves_and_mistakes(qtbot, run):
    from widgets.views.evaluation_view import EvaluationView
    _, snaps = run
    view = EvaluationView()
    qtbot.addWidget(view)
    view.update(snaps[-1])
    r = snaps[-1].probes["introspection:evaluation"]
    assert view.table.rowCount() == 10
    assert view.table.item(2, 1).text() == f"{r['precision'][2]:.2f}"
    assert len(view.roc_curves) == 10
    fpr, tpr = view.roc_curves[4].getData()
    assert np.allclose(fpr, r["curves"][4]["fpr"])
    n_wrong = len(r["misclassified"]["index"])
    assert view.mistakes.count() == max(n_wrong, 1)
    assert view.tabs.tabText(4) == f"Mistakes ({n_wrong})"


def test_coach_panel_cards_and_evidence(qtbot):
    from widgets.views.coach_panel import EMPTY, EMPTY_BY_STATE, CoachPanel
    panel = CoachPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.empty.isVisible() and panel.empty.text() == EMPTY_BY_STATE["idle"]
    panel.set_run_state("running")
    assert panel.empty.text() == EMPTY
    advice = [Advice("overfitting", "warning", "Overfitting.",
                     {"epochs": np.arange(1, 8), "train_loss": np.linspace(1, 0.2, 7),
                      "val_loss": np.linspace(0.8, 1.0, 7), "best_epoch": 1}),
              Advice("dead_relu", "warning", "Dead.", {"dead_fraction": {"a": 0.6, "b": 0.1},
                                                      "layer": "a"})]
    panel.set_advice(advice)
    assert len(panel.cards) == 2 and not panel.empty.isVisible()
    with qtbot.waitSignal(panel.card_clicked) as sig:
        qtbot.mouseClick(panel.cards[1], Qt.MouseButton.LeftButton)
    assert sig.args == [1] and panel.plot_widget.isVisible()
    bars = [i for i in panel.plot.items if type(i).__name__ == "BarGraphItem"]
    assert list(bars[0].opts["height"]) == [0.6, 0.1]
    panel.show_evidence(0)
    assert len(panel.plot.listDataItems()) == 2  # train and validation loss
    panel.set_advice([])
    assert panel.empty.isVisible() and not panel.cards


def test_views_in_the_inside_dock(qtbot, run):
    """Registered in ``widgets.panels.inside_dock.InsideViews`` as the lead wires them."""
    from widgets.panels.inside_dock import InsideViews, ViewContext
    from widgets.views.adversarial_view import AdversarialView
    from widgets.views.coach_panel import CoachPanel
    from widgets.views.dynamics_view import DynamicsView
    from widgets.views.evaluation_view import EvaluationView
    from widgets.views.layer_latent_view import LayerLatentView
    from widgets.views.saliency_view import SaliencyView
    prepared, snaps = run
    inside = InsideViews()
    qtbot.addWidget(inside)
    inside.show()
    views = {"saliency": SaliencyView(), "adversarial": AdversarialView(),
             "latent": LayerLatentView(), "dynamics": DynamicsView(),
             "evaluation": EvaluationView(), "coach": CoachPanel()}
    for key, view in views.items():
        inside.add_view(key, key.title(), view, lambda c: c.task == "classification")
    kinds = {n: prepared.model.layers[n].kind for n in prepared.model.order}
    inside.set_context(ViewContext(layer_kinds=kinds, task="classification"))
    assert views["latent"].probe_requests() == {"latent": {"layer": "hidden"}}
    assert not views["saliency"].conv_layers
    with qtbot.waitSignal(inside.requests_changed) as sig:
        inside.show_view("latent")
    assert sig.args == [{"latent": {"layer": "hidden"}}]
    for snap in snaps:
        inside.add_snapshot(snap)
    assert len(views["latent"].scatter.getData()[0]) == 256
    inside.show_view("evaluation")  # a newly shown view catches up with the last snapshot
    assert views["evaluation"].table.rowCount() == 10
    inside.show_view("dynamics")
    assert views["dynamics"].frames == 1
    views["dynamics"].update(snaps[0])  # the step count went back: a new run, a new history
    assert views["dynamics"].frames == 1 and views["dynamics"].latest is \
        snaps[0].probes["introspection:dynamics"]
    assert views["coach"].probe_requests() == {"dynamics": {}}
    views["saliency"].set_model_context(ViewContext(layer_kinds={
        "image": "Input", "c1": "Conv2D", "p1": "MaxPooling2D", "g": "GlobalAveragePooling2D"}))
    assert views["saliency"].conv_layers == ["c1", "p1"]
    inside.set_theme("dark")
