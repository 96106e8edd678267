"""Problems panel: every network problem and every message, in words a learner can act on.

Shape-inference errors (``doc.shapes_changed`` → ``report.errors``) are listed first, one per
layer, and replaced on every edit; clicking one emits ``layer_activated`` so the window can
select that layer on the canvas. Below them come messages posted by the rest of the window
(training errors, a run's final advice, canvas hints, file problems), newest first.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from widgets.theme import current_colors

MAX_MESSAGES = 60
LEVELS = ("info", "warning", "error")
GRAPH_KEY = "(graph)"


class ProblemsPanel(QWidget):
    """A list of the network's errors plus a log of messages."""

    layer_activated = Signal(str)

    def __init__(self, doc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.errors: dict[str, str] = {}
        self.messages: list[tuple[str, str, float]] = []  # (level, text, time)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.clear_button = QPushButton("Clear messages")
        self.clear_button.clicked.connect(self.clear_messages)
        top.addWidget(self.clear_button)
        layout.addLayout(top)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemClicked.connect(self._on_item_activated)
        layout.addWidget(self.list, 1)
        doc.shapes_changed.connect(self._on_shapes_changed)
        self._on_shapes_changed(doc.report)

    # -- inputs --------------------------------------------------------------------------------
    def _on_shapes_changed(self, report: object) -> None:
        self.errors = dict(getattr(report, "errors", {}) or {})
        self.refresh()

    def post(self, text: str, level: str = "info") -> None:
        """Add a message (newest first); ``level`` is info, warning or error."""
        if not text:
            return
        level = level if level in LEVELS else "info"
        if self.messages and self.messages[0][:2] == (level, text):
            return  # the same message twice in a row adds nothing
        self.messages.insert(0, (level, text, time.time()))
        del self.messages[MAX_MESSAGES:]
        self.refresh()

    def clear_messages(self) -> None:
        self.messages.clear()
        self.refresh()

    # -- view ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        c = current_colors()
        self.list.clear()
        style = self.style()
        for name, text in self.errors.items():
            label = text if name == GRAPH_KEY or name in text else f"{name}: {text}"
            item = QListWidgetItem(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                                   label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setForeground(QColor(c.error))
            item.setToolTip("Click to select this layer on the canvas.")
            self.list.addItem(item)
        icons = {"info": QStyle.StandardPixmap.SP_MessageBoxInformation,
                 "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
                 "error": QStyle.StandardPixmap.SP_MessageBoxCritical}
        for level, text, when in self.messages:
            stamp = time.strftime("%H:%M:%S", time.localtime(when))
            item = QListWidgetItem(style.standardIcon(icons[level]), f"{stamp}  {text}")
            if level == "error":
                item.setForeground(QColor(c.error))
            self.list.addItem(item)
        self._update_summary()

    def _update_summary(self) -> None:
        c = current_colors()
        n = len(self.errors)
        if n:
            noun = "problem" if n == 1 else "problems"
            self.summary.setText(f"<b style='color:{c.error}'>{n} {noun} in the network</b>"
                                 " — fix the red layers before training.")
        else:
            self.summary.setText(f"<b style='color:{c.ok}'>✔ No problems</b> — the network is "
                                 "ready to train.")
        self.clear_button.setEnabled(bool(self.messages))

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name and name != GRAPH_KEY:
            self.layer_activated.emit(str(name))

    @property
    def problem_count(self) -> int:
        return len(self.errors)
