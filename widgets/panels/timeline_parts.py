"""Compact parts of the timeline bar (``widgets.panels.timeline_bar``) that must never widen
the Loss dock or squash the loss curve, even on a 1280×720 screen.

``ElidedLabel``: a one-line label that cuts its text with "…" to the width it gets (the full
text in its tooltip) and asks for almost no width; ``FittingLabel``: the same, but whole
while the row has room (the memory readout). ``LookingBack``: the one-line strip shown
while looking back: the yellow banner, Branch from here (its arrow: compare) and Back to now,
all on one row about one button tall. ``branch_combo()``: the branch list, sized to a few
characters (long names are elided, the full name is each entry's tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

BRANCH_CHARS = 9  # the branch list shows about this many characters of a name


class ElidedLabel(QLabel):
    """One line of text, cut with "…" to the label's width; ``text()`` and the tooltip give
    the whole text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        """The whole text (what is drawn may be cut to fit)."""
        return self._full

    def shown_text(self) -> str:
        """The text as drawn, cut with "…" to the label's width."""
        return super().text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.fontMetrics().horizontalAdvance("Showing…") + 16,
                     super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(0, self.contentsRect().width() - 2 * self.margin() - 12)  # 12: the padding
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        if shown != super().text():
            super().setText(shown)


class FittingLabel(ElidedLabel):
    """An ``ElidedLabel`` that asks for its whole text and gives way (cut with "…") only when
    the row is short of room: beside the branch list at 1280×720 it no longer widens the dock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 14,
                     super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.fontMetrics().horizontalAdvance("(…)") + 14,
                     super().minimumSizeHint().height())

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        resized = len(text) != len(self._full)
        super().setText(text)
        if resized:  # a longer readout asks for its room again (not on every snapshot)
            self.updateGeometry()


class LookingBack(QWidget):
    """The strip shown while looking back: banner, Branch from here (with a compare arrow)
    and Back to now, in one row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = ElidedLabel()
        self.banner.setObjectName("timelineBanner")
        self.banner.setStyleSheet("QLabel#timelineBanner { background: #fff3c4; color: #5a4500;"
                                  " border-radius: 4px; padding: 2px 6px; }")
        self.now_button = QPushButton("Back to now")
        self.now_button.setToolTip("Go back to the present moment of training.")
        self.branch_button = QToolButton()  # click: branch here; its arrow: compare
        self.branch_button.setText("Branch from here")
        self.branch_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.branch_button.setToolTip("Train on from this moment (set another learning rate "
                                      "first, if you like): a new curve starts here, beside "
                                      "the old one. Its arrow: compare the branch with "
                                      "its parent side by side.")
        branch_menu = QMenu(self.branch_button)
        self.compare_action = branch_menu.addAction("Compare branch with parent side by side…")
        self.compare_action.setToolTip("Branch from this moment and train the branch and the "
                                       "run it came from side by side, each from here.")
        self.branch_button.setMenu(branch_menu)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.banner, 1)
        row.addWidget(self.branch_button)
        row.addWidget(self.now_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


def branch_combo() -> QComboBox:
    """The list of runs and branches: about ``BRANCH_CHARS`` characters wide whatever the
    names (a long one is elided; every entry's tooltip and the box's give the full name)."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(BRANCH_CHARS)
    box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    return box


def fill_branch_combo(box: QComboBox, names: list[str], current: int) -> None:
    """Put ``names`` in ``box`` (no signals), each with its full name as tooltip; select
    ``current``."""
    box.blockSignals(True)
    box.clear()
    for i, name in enumerate(names):
        box.addItem(name)
        box.setItemData(i, name, Qt.ItemDataRole.ToolTipRole)
    box.setCurrentIndex(current)
    box.blockSignals(False)
    shown = names[current] if 0 <= current < len(names) else ""
    box.setToolTip(f"This run: {shown}. Switch to another branch: it trains on from where you "
                   "left it.")
