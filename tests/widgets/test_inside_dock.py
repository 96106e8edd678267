"""The "Look inside" dock: relevant tabs only, snapshots and probe requests follow the tab."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from widgets.panels.inside_dock import InsideViews, ViewContext


class FakeView(QLabel):
    def __init__(self, requests):
        super().__init__("view")
        self.requests, self.seen = requests, []

    def update(self, snap=None):  # noqa: D401 - the view protocol
        if snap is not None:
            self.seen.append(snap)

    def probe_requests(self):
        return self.requests


def dock(qtbot):
    inside = InsideViews()
    qtbot.addWidget(inside)
    inside.show()
    conv = FakeView({"cnn_maps": {"index": 0}})
    always = FakeView({"dynamics": {}})
    inside.add_view("filters", "Filters", conv, lambda c: c.has("Conv2D"))
    inside.add_view("dynamics", "Dynamics", always, lambda c: True)
    return inside, conv, always


def test_tabs_follow_the_network(qtbot):
    inside, conv, _ = dock(qtbot)
    assert inside.visible_keys() == ["dynamics"]
    inside.set_context(ViewContext(layer_kinds={"c1": "Conv2D"}))
    assert inside.visible_keys() == ["filters", "dynamics"]
    inside.set_context(ViewContext(layer_kinds={"d": "Dense"}))
    assert inside.visible_keys() == ["dynamics"] and not inside.hint.isVisible()


def test_only_the_visible_view_gets_snapshots_and_sets_the_requests(qtbot):
    inside, conv, always = dock(qtbot)
    with qtbot.waitSignal(inside.requests_changed) as got:
        inside.set_context(ViewContext(layer_kinds={"c1": "Conv2D"}))  # Filters comes first
    assert got.args == [{"cnn_maps": {"index": 0}}]
    inside.add_snapshot("s1")
    assert conv.seen == ["s1"] and always.seen == []
    with qtbot.waitSignal(inside.requests_changed) as got:
        assert inside.show_view("dynamics")
    assert got.args == [{"dynamics": {}}]
    assert always.seen == ["s1"]  # a newly shown view catches up with the last snapshot


@pytest.mark.expect_logged_errors  # the dock logs the failing view with its traceback
def test_a_failing_view_does_not_break_the_dock(qtbot):
    inside = InsideViews()
    qtbot.addWidget(inside)
    inside.show()
    inside.add_view("bad", "Bad", QLabel(), lambda c: 1 / 0)  # relevance raises: not shown
    assert inside.visible_keys() == [] and inside.hint.isVisible()


def test_history_views_see_every_snapshot_while_hidden(qtbot):
    inside = InsideViews()
    qtbot.addWidget(inside)
    inside.show()
    shown, history = FakeView({}), FakeView({})
    inside.add_view("shown", "Shown", shown, lambda c: True)
    inside.add_view("history", "History", history, lambda c: True, always=True)
    inside.show_view("shown")
    inside.add_snapshot("s1")
    inside.add_snapshot("s2")
    assert shown.seen == ["s1", "s2"] and history.seen == ["s1", "s2"]


def test_first_relevant_tab_comes_forward_unless_the_learner_chose_one(qtbot):
    inside, conv, always = dock(qtbot)
    assert inside.current_view() is always  # only Dynamics is relevant
    inside.set_context(ViewContext(layer_kinds={"c1": "Conv2D"}))
    assert inside.current_view() is conv  # the specific view, not the leftover
    inside.show_view("dynamics")
    inside.set_context(ViewContext(layer_kinds={"c1": "Conv2D", "c2": "Conv2D"}))
    assert inside.current_view() is always  # the learner's choice is kept
