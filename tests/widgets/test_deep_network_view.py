"""A very deep network (the 20,000-layer limit) in the Network view: a note, not 20,000 columns.

Drawing every layer of a 20,000-layer chain as a column of neurons took minutes and over
20 GB when such a file was opened in the window; the view now draws up to ``MAX_COLUMNS``
layers and says why it shows nothing beyond that.
"""

from __future__ import annotations

import time

from widgets.plots import NetworkView
from widgets.plots.network_view import MAX_COLUMNS


def test_a_20000_layer_chain_gets_a_note_at_once(qtbot):
    view = NetworkView()
    qtbot.addWidget(view)
    layers = [("in", 4)] + [(f"d{i}", 4) for i in range(19_999)]
    start = time.process_time()
    view.set_structure(layers)
    assert time.process_time() - start < 0.5  # CPU time; minutes before
    assert view.too_large and view.stack.currentWidget() is view.message
    assert "64 layers" in view.message.text() and "20,000" in view.message.text()
    assert view.images == [] and view.labels == []


def test_a_network_at_the_column_limit_is_still_drawn(qtbot):
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_structure([(f"d{i}", 3) for i in range(MAX_COLUMNS)])
    assert not view.too_large and view.stack.currentWidget() is view.plot_widget
    assert len(view.images) == MAX_COLUMNS
