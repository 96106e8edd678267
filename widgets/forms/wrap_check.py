"""A check box whose text wraps to the width it gets (a narrow dock at 1280×720).

A plain ``QCheckBox`` never wraps: the inspector's "Trainable" box, whose text explains what
freezing does (~1,000 px on one line), made the whole Layer panel that wide, so every line in
it was cut at the dock's edge. ``WrapCheckBox`` is a ``QCheckBox`` (checked, toggled, the
same API) that draws its text in a word-wrapped label beside the indicator; a click anywhere
on it toggles it, as on a plain check box.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

MIN_TEXT_PX = 220  # narrower: a form (WrapLongRows) puts the box under its label


class WrapCheckBox(QCheckBox):
    """``QCheckBox`` with word-wrapped text; ``text()`` returns that text."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)  # narrower: taller (a plain check box: Minimum, Fixed)
        self.setSizePolicy(policy)

    def text(self) -> str:  # noqa: D102 - QCheckBox's own
        return self.label.text()

    def _indent(self) -> int:
        """Pixels left of the text: the indicator and its spacing."""
        option = QStyleOptionButton()
        self.initStyleOption(option)
        style = self.style()
        return (style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, option, self)
                + style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, option, self))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        text = self.label.heightForWidth(max(width - self._indent(), 1))
        return max(text, super().sizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        whole = self._indent() + self.label.sizeHint().width()
        return QSize(whole, self.heightForWidth(whole))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self._indent() + MIN_TEXT_PX, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        indent = self._indent()
        self.label.setGeometry(indent, 0, max(self.width() - indent, 1), self.height())
        need = self.heightForWidth(self.width())
        if self.minimumHeight() != need:
            self.setMinimumHeight(need)  # the form row grows with the wrapped text

    def hitButton(self, pos: QPoint) -> bool:  # noqa: N802 (Qt's name)
        return self.rect().contains(pos)
