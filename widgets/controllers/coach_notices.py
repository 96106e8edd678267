"""Makes the Coach heard outside its tab.

The Coach's cards live in the sixth "Look inside" tab, which a learner rarely has in front.
``CoachNotices`` listens to the session's ``advice_changed(list[Advice])`` and

- puts the number of cards on the Coach tab ("Coach (2)", ``InsideViews.set_badge``) and on
  the Look inside dock's title ("Look inside — Coach (2)"), which shows in the dock's tab even
  when another dock is on top;
- posts one line per *new* card to the status bar and the Problems log
  ("Coach: the loss is flat — the learning rate is probably too small. Details under …"),
  once per kind of card in a run (``CoachMonitor.announce``; a new run announces again);
- keeps a button at the right of the status bar with the most severe card's headline and the
  count ("⚠ Coach (2): the loss is flat — …"), which outlives the status line (the run's
  "Finished …" replaces that at once) and brings the Coach tab to the front when clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QStatusBar,
    QStyle,
    QStyleOptionToolButton,
    QStylePainter,
    QToolButton,
)

from engine.coach import HEADLINES, Advice, headline

COACH_KEY = "coach"
ICONS = {"error": "⛔", "warning": "⚠", "info": "ℹ"}


class Announcer(Protocol):
    def announce(self, advice: list[Advice]) -> list[Advice]: ...


class BadgedViews(Protocol):
    def set_badge(self, key: str, count: int) -> None: ...

    def show_view(self, key: str) -> bool: ...


class AdviceSession(Protocol):
    """What is read from ``app.session.TrainingSession``."""

    @property
    def coach(self) -> Announcer: ...

    advice_changed: Any  # Signal(list[Advice])


class ElidedButton(QToolButton):
    """A tool button that, squeezed by the status bar, shows its text elided ("… loss is …")
    rather than cut to "Co", and never gets narrower than "⚠ Coach (N): …" (``text()`` stays
    the whole text). Its widest is ``MAX_EM`` characters (x-widths) of its font."""

    MAX_EM = 48

    def _elided(self, width: int) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        head = self.text().split(":", 1)[0] + ": …"
        return QSize(self.fontMetrics().horizontalAdvance(head) + 16,
                     super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        widest = self.fontMetrics().horizontalAdvance("x") * self.MAX_EM
        return QSize(min(hint.width(), widest), hint.height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        option.text = self._elided(self.width() - 12)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, option)

    def shown_text(self) -> str:
        """What is painted at the current width."""
        return self._elided(self.width() - 12)


class CoachNotices(QObject):
    """Badge, dock title, status-bar button and one-line notices for the Coach's advice."""

    def __init__(self, session: AdviceSession, views: BadgedViews, dock: QDockWidget,
                 post: Callable[[str, str], None], status: QStatusBar,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.views, self.dock, self.post = session, views, dock, post
        self.base_title = dock.windowTitle()
        self.count = 0
        self.button = ElidedButton()
        self.button.setObjectName("coachNotice")
        self.button.setAutoRaise(True)
        self.button.setToolTip("The Coach has advice about this run: click to read it")
        self.button.clicked.connect(self.show_coach)
        self.button.hide()
        status.addPermanentWidget(self.button)
        session.advice_changed.connect(self.on_advice)

    def on_advice(self, advice: list[Advice]) -> None:
        self.count = len(advice)
        self.views.set_badge(COACH_KEY, self.count)
        self.dock.setWindowTitle(f"{self.base_title} — Coach ({self.count})" if self.count
                                 else self.base_title)
        self.button.setVisible(bool(advice))
        if advice:
            first = advice[0]  # the most severe; the count first, so eliding never hides it
            what = HEADLINES.get(first.kind, first.kind.replace("_", " "))
            self.button.setText(f"{ICONS.get(first.severity, 'ℹ')} Coach ({self.count}): {what}")
            self.button.setToolTip(first.message + "\n\nClick to read the Coach's advice.")
        for item in self.session.coach.announce(list(advice)):
            self.post(headline(item), item.severity)

    def show_coach(self) -> None:
        """Bring the Look inside dock and its Coach tab to the front."""
        self.dock.show()
        self.dock.raise_()
        self.views.show_view(COACH_KEY)
