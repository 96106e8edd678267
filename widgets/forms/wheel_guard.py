"""Scrolling a settings panel scrolls the panel: the mouse wheel never edits a field by accident.

Qt's spin boxes and combo boxes change their value when the wheel turns over them, even without
focus, so scrolling down a long form silently turns "8 units" into "7". ``guard_wheel(root)``
gives every spin box and combo box under ``root`` the strong focus policy (a click or Tab
focuses it, the wheel does not) and a shared event filter: while such a field does not have
the keyboard focus, a wheel event over it goes to the scroll bar of the scroll area it sits in
(the panel scrolls) — or nowhere, outside a scroll area. A focused field takes the wheel as
usual. Call it again after building new editors: fields already guarded are skipped.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

GUARDED = "wheelGuarded"  # the dynamic property marking a field already guarded


class _WheelGuard(QObject):
    """Hands the wheel of an unfocused field to the enclosing scroll area's scroll bar."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) \
                or watched.hasFocus():
            return False
        area = _scroll_area(watched)
        if area is not None:
            delta = event.angleDelta()  # type: ignore[attr-defined]
            horizontal = abs(delta.x()) > abs(delta.y())
            bar = area.horizontalScrollBar() if horizontal else area.verticalScrollBar()
            QApplication.sendEvent(bar, event)
        return True  # the field itself never sees it


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


_GUARD: _WheelGuard | None = None


def guard_wheel(root: QWidget) -> None:
    """Guard every spin box and combo box under ``root`` (and ``root`` itself if it is one)."""
    global _GUARD
    if _GUARD is None:
        _GUARD = _WheelGuard()
    fields: list[QWidget] = [*root.findChildren(QAbstractSpinBox), *root.findChildren(QComboBox)]
    if isinstance(root, (QAbstractSpinBox, QComboBox)):
        fields.append(root)
    for field in fields:
        if field.property(GUARDED):
            continue
        field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        field.installEventFilter(_GUARD)
        field.setProperty(GUARDED, True)
