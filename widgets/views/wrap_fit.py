"""Word-wrapped labels that are never cut: ``keep_whole(label)`` makes the label's minimum
height follow the height its text needs at its current width (``heightForWidth``), so a
layout gives it every line and a dock too short for the view scrolls (``ShrinkableArea``)
instead of squashing the caption to its first lines."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel


class _WholeText(QObject):
    """Event filter on one label: on a resize, its minimum height = its text's height."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if isinstance(watched, QLabel) and event.type() == QEvent.Type.Resize:
            fit(watched)
        return False


def fit(label: QLabel) -> None:
    """The label's minimum height := the height of its wrapped text at its width."""
    need = label.heightForWidth(label.width()) if label.text() else 0
    if need >= 0 and label.minimumHeight() != need:
        label.setMinimumHeight(need)


def keep_whole(*labels: QLabel) -> None:
    """Keep each word-wrapped label tall enough for its whole text (also after setText)."""
    for label in labels:
        label.setWordWrap(True)
        watcher = _WholeText(label)
        label.installEventFilter(watcher)
        fit(label)
