"""A network with more layers than the canvas draws (``MAX_DRAWN_LAYERS``) opens at once with a
note in the canvas area instead of boxes; Problems, Play and the other panels keep working, and
edits that need the drawn boxes say why they are not available."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from app.examples import example_path
from engine.validation import MAX_LAYERS
from tests.widgets.window_helpers import close_test_window, file_menu_action, make_test_window
from widgets.canvas import view as canvas_view
from widgets.canvas.overflow import MAX_DRAWN_LAYERS


def chain_project(folder: Path, layers: int) -> Path:
    """The xor example with ``layers`` layers in all: Input → Dense(2, tanh) × (layers − 2) →
    its sigmoid output."""
    data = json.loads(Path(example_path("xor")).read_text(encoding="utf-8"))
    first, hidden, output = data["graph"]["layers"]
    names = [f"h{i}" for i in range(layers - 2)]
    data["graph"]["layers"] = [first] + [dict(hidden, name=n, position=[0.0, 0.0])
                                         for n in names] + [output]
    chain = [first["name"], *names, output["name"]]
    data["graph"]["edges"] = [[a, b, 0] for a, b in zip(chain, chain[1:])]
    data["training"]["epochs"] = 3
    path = folder / f"chain{layers}.layerlab.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def open_with_menu(win, monkeypatch, path: Path) -> None:
    """File → Open, the dialog answering ``path``."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a, **_k: (str(path), "")))
    file_menu_action(win, "Open").trigger()


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=False)
    yield win
    close_test_window(win)


def painted_notes(win, monkeypatch) -> list[str]:
    """The notes the canvas paints in its next frame."""
    notes: list[str] = []
    original = canvas_view.paint_note
    monkeypatch.setattr(canvas_view, "paint_note",
                        lambda painter, area, text: (notes.append(text),
                                                     original(painter, area, text)))
    win.canvas.viewport().grab()
    return notes


def test_over_the_limit_shows_a_note_and_still_trains(window, qtbot, monkeypatch, tmp_path):
    win, count = window, MAX_DRAWN_LAYERS + 1
    open_with_menu(win, monkeypatch, chain_project(tmp_path, count))
    assert len(win.doc.graph.nodes) == count
    assert win.canvas.canvas.items() == []  # not one box or wire
    notes = painted_notes(win, monkeypatch)
    assert len(notes) == 1 and f"{count:,} layers" in notes[0]
    assert f"limit {MAX_DRAWN_LAYERS}" in notes[0] and "main.py train" in notes[0]
    win.canvas.select_all()
    win.canvas.auto_layout()  # refused with the reason, no layer moved
    assert "Auto layout is not available" in win.statusBar().currentMessage()
    win._on_layer_requested("Dense")  # palette double-click
    assert len(win.doc.graph.nodes) == count
    assert "more than the canvas draws" in win.statusBar().currentMessage()
    win.inspector.set_layer("h5")  # the Layers list / Look inside can still pick a layer

    win.dataset_panel.ensure_current()
    session = win.session
    win.run.toggle_play()
    assert session.state in ("preparing", "running"), win.problems  # the check let it train
    qtbot.waitUntil(lambda: bool(session.history.step_losses)
                    or session.state in ("error", "finished", "stopped"), timeout=20000)
    assert session.history.step_losses and session.state != "error"
    win.run.stop()
    qtbot.waitUntil(lambda: session.state != "running", timeout=5000)


def test_crossing_the_limit_by_editing_draws_and_hides_the_boxes(window, monkeypatch,
                                                                 tmp_path):
    win, count = window, MAX_DRAWN_LAYERS + 1
    open_with_menu(win, monkeypatch, chain_project(tmp_path, count))
    win.doc.remove_layers(["h0"])  # back to the limit: drawn again
    assert len(win.canvas.canvas.nodes) == MAX_DRAWN_LAYERS
    assert len(win.canvas.canvas.edges) == len(win.doc.graph.edges)
    assert painted_notes(win, monkeypatch) == []
    win.doc.undo_stack.undo()  # over it again: the boxes go, the note comes back
    assert win.canvas.canvas.items() == []
    assert win.canvas.canvas.undrawn == count


@pytest.mark.slow
def test_the_largest_network_opens_in_about_the_engines_time(window, monkeypatch, tmp_path):
    """The largest network a file may hold (engine.validation.MAX_LAYERS): File → Open to an
    idle, painted window in well under a second of GUI-thread CPU time (20,000 drawn layers
    took minutes; 20,000 undrawn ~2.2 s, hence the limit)."""
    win = window
    path = chain_project(tmp_path, MAX_LAYERS)
    start = time.process_time()
    open_with_menu(win, monkeypatch, path)
    notes = painted_notes(win, monkeypatch)
    spent = time.process_time() - start
    assert len(win.doc.graph.nodes) == MAX_LAYERS and win.canvas.canvas.items() == []
    assert notes and f"{MAX_LAYERS:,} layers" in notes[0]
    assert spent < 1.0, spent
