"""The Lesson panel: one step of a lesson at a time, its checks ticking live.

Shows the lesson's title, "Step i of n", the step's text (``engine.lessons.richtext``; the
learning goals above step 1), one row per check (○ waiting, ✓ passed — an answer check has
its own choice box or number field and a Check button; a check of a step done before that
does not hold now reads "○ … (done before — not true right now)"), the hints revealed so
far, and the buttons ◀ (back), Hint, Show me, Next ▶ and ↺ (restart the lesson). The title
and text scroll; the checks (``ChecksArea``: scrolling on their own only past half of the
panel), the status line and the buttons sit in a footer outside that scroll area, always in
view (at 1280×720 too). Without a lesson it shows the open project's one-paragraph lesson
text, and how to open a lesson. The panel only reads the
``app.lesson_session.LessonSession`` and calls its methods; it never edits the engine.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.lesson_session import LessonSession
from engine.lessons import Check
from engine.lessons.richtext import to_html
from widgets.forms.flow_layout import FlowLayout
from widgets.forms.scroll_body import scroll_body

PASSED, WAITING = "✓", "○"
DONE_BEFORE = "  (done before — not true right now)"  # a remembered check, judged again live
CHECKS_SHARE = 0.5  # of the panel's height the checks take at most before they scroll
MIN_TEXT_PX = 60  # the step's text keeps at least this much height
NO_LESSON = ("<p>No lesson is open. Open one from the gallery (File → Open example, "
             "Ctrl+E) or with File → Open (<i>.lesson.json</i> files).</p>")


class CheckRow(QWidget):
    """One check: its mark and label; an answer check adds its input and a Check button."""

    def __init__(self, check: Check, lesson: LessonSession) -> None:
        super().__init__()
        self.check, self.lesson = check, lesson
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        self.mark = QLabel()
        self.mark.setWordWrap(True)
        self.mark.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.mark)
        self.input: QComboBox | QLineEdit | None = None
        self.button: QPushButton | None = None
        if check.type == "answer":
            row = QHBoxLayout()
            if "choices" in check.args:
                box = QComboBox()
                box.addItem("Choose…")
                box.addItems(check.args["choices"])
                self.input = box
            else:
                self.input = QLineEdit()
                self.input.setPlaceholderText("your answer (a number)")
                self.input.returnPressed.connect(self.submit)
            self.button = QPushButton("Check")
            self.button.clicked.connect(self.submit)
            row.addWidget(self.input, 1)
            row.addWidget(self.button)
            layout.addLayout(row)
        self.feedback = QLabel("")
        self.feedback.setWordWrap(True)
        self.feedback.hide()
        layout.addWidget(self.feedback)
        self.refresh()

    def submit(self) -> None:
        if isinstance(self.input, QComboBox):
            if self.input.currentIndex() == 0:
                return
            value: object = self.input.currentIndex() - 1
        elif isinstance(self.input, QLineEdit):
            value = self.input.text().strip()
            if not value:
                return
        else:
            return
        right = self.lesson.answer(self.check.id, value)
        self.feedback.setText("Right!" if right else "Not quite — read the hint below and "
                              "try again.")
        self.feedback.show()
        self.refresh()

    @property
    def passed(self) -> bool:
        return self.check.id in self.lesson.passed

    def refresh(self) -> None:
        mark = PASSED if self.passed else WAITING
        before = not self.passed and self.lesson.done_before(self.check.id)
        self.mark.setText(f"{mark}  {self.check.label}" + (DONE_BEFORE if before else ""))
        self.mark.setToolTip("You passed this check before; it does not hold for the network "
                             "as it is now." if before else "")
        self.mark.setStyleSheet("color: #1a7f37; font-weight: 600;" if self.passed else
                                "color: #6e7781;" if before else "")
        if self.input is not None and self.button is not None:
            self.input.setEnabled(not self.passed)
            self.button.setEnabled(not self.passed)


class ChecksArea(QScrollArea):
    """The step's check rows (``box``): as tall as they need, scrolling only past ``cap`` px
    (a step with many checks in a short dock)."""

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget()
        self.box = QVBoxLayout(self.body)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.setWidget(self.body)
        self.cap = 1 << 20
        self.body.installEventFilter(self)

    def set_cap(self, cap: int) -> None:
        self.cap = max(cap, 0)
        self.fit()

    def fit(self) -> None:
        """Height = the rows' height at the current width, at most ``cap``."""
        layout = self.body.layout()
        width = self.viewport().width()
        need = layout.totalHeightForWidth(width) if layout is not None and \
            layout.hasHeightForWidth() else self.body.sizeHint().height()
        self.setFixedHeight(min(max(need, 0), self.cap))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.body and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self.fit)  # rows added, feedback shown
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        width = event.oldSize().width()
        super().resizeEvent(event)
        if event.size().width() != width:
            self.fit()  # narrower: the labels wrap onto more lines


class LessonPanel(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("lesson_panel")
        self.lesson: LessonSession | None = None
        # the title and the step's text scroll; below them, outside the scroll area, the
        # checks, the status line and the buttons stay in view however short the dock is
        outer, self.frame, _content = scroll_body(self)
        outer.setContentsMargins(6, 4, 6, 4)
        self.title = QLabel("Lesson")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 700;")
        self.where = QLabel("")
        self.where.setWordWrap(True)
        outer.addWidget(self.title)
        outer.addWidget(self.where)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hints = QLabel("")
        self.hints.setWordWrap(True)
        self.hints.setTextFormat(Qt.TextFormat.RichText)
        self.hints.hide()
        outer.addWidget(self.text)
        outer.addWidget(self.hints)
        outer.addStretch(1)
        self.frame.setMinimumHeight(MIN_TEXT_PX)
        footer = QVBoxLayout()
        footer.setContentsMargins(6, 2, 6, 4)
        own = self.layout()
        assert isinstance(own, QVBoxLayout)  # built by ``scroll_body``
        own.addLayout(footer)
        self.checks = ChecksArea()
        self.checks_box = self.checks.box
        footer.addWidget(self.checks)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.hide()  # no empty line above the buttons
        footer.addWidget(self.status)
        buttons = FlowLayout()
        self.back_button = QPushButton("◀")
        self.back_button.setToolTip("Back to the previous step")
        self.hint_button = QPushButton("Hint")
        self.show_me_button = QPushButton("Show me")
        self.next_button = QPushButton("Next ▶")
        self.restart_button = QPushButton("↺")
        self.restart_button.setToolTip("Restart the lesson: forget the progress and reopen "
                                       "its project")
        for button in (self.back_button, self.hint_button, self.show_me_button,
                       self.next_button, self.restart_button):
            button.setStyleSheet("padding: 5px 8px;")  # one row in the 340 px column at 720
            buttons.addWidget(button)
        footer.addLayout(buttons)
        self.rows: list[CheckRow] = []
        self.back_button.clicked.connect(lambda: self.lesson and self.lesson.back())
        self.next_button.clicked.connect(lambda: self.lesson and self.lesson.next())
        self.hint_button.clicked.connect(lambda: self.lesson and self.lesson.more_hint())
        self.show_me_button.clicked.connect(lambda: self.lesson and self.lesson.show_me())
        self.restart_button.clicked.connect(lambda: self.lesson and self.lesson.restart())
        self.show_project_text("")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.checks.set_cap(int(CHECKS_SHARE * event.size().height()))

    # -- without a lesson --------------------------------------------------------------------
    def show_project_text(self, text: str) -> None:
        """The open project's lesson paragraph (examples carry one), when no lesson is open."""
        if self.lesson is not None:
            return
        self.title.setText("Lesson")
        self.where.setText("")
        body = f"<p>{html.escape(text)}</p>" if text else ""
        self.text.setText(body + NO_LESSON)
        self._clear_rows()
        self.hints.hide()
        self._set_status("")
        for button in self._buttons():
            button.setVisible(False)

    # -- with a lesson ---------------------------------------------------------------------------
    def set_lesson(self, lesson: LessonSession | None) -> None:
        self.lesson = lesson
        if lesson is None:
            self.show_project_text("")
            return
        for button in self._buttons():
            button.setVisible(True)
        lesson.step_changed.connect(self._show_step)
        lesson.checks_changed.connect(self._refresh_checks)
        lesson.hints_changed.connect(self._show_hints)
        lesson.step_completed.connect(self._on_step_completed)
        lesson.message.connect(self._set_status)
        self.title.setText(lesson.lesson.title)
        self._show_step(lesson.index)

    def _show_step(self, index: int) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        step, total = lesson.step, len(lesson.lesson.steps)
        self.where.setText(f"Step {index + 1} of {total}: {step.title}")
        self.frame.verticalScrollBar().setValue(0)  # a new step's text from its start
        goals = ""
        if index == 0:
            items = "".join(f"<li>{html.escape(g)}</li>" for g in lesson.lesson.goals)
            goals = f"<p><b>You will learn to</b></p><ul>{items}</ul><hr>"
        self.text.setText(goals + to_html(step.text, lesson.lesson.folder))
        self._clear_rows()
        for check in step.checks:
            row = CheckRow(check, lesson)
            self.rows.append(row)
            self.checks_box.addWidget(row)
        self._set_status("")
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index + 1 < total)
        self.show_me_button.setEnabled(bool(step.solution))
        self._show_hints(lesson.hints_shown)
        self._refresh_checks()
        QTimer.singleShot(0, self, self._show_first_answer)  # once the rows are laid out

    def _show_first_answer(self) -> None:
        """Checks taller than their area: scroll it to the first answer still to give (its
        Check button in view), else leave it at the top."""
        button = next((r.button for r in self.rows if r.button is not None and not r.passed),
                      None)
        if button is not None:
            self.checks.ensureWidgetVisible(button, 0, 4)

    def _refresh_checks(self) -> None:
        for row in self.rows:
            row.refresh()

    def _show_hints(self, count: int) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        hints = lesson.step.hints[:count]
        self.hints.setVisible(bool(hints))
        self.hints.setText("".join(f"<p>💡 {to_html(h, lesson.lesson.folder)}</p>"
                                   for h in hints))
        self.hint_button.setEnabled(count < len(lesson.step.hints))

    def _on_step_completed(self, index: int) -> None:
        lesson = self.lesson
        if lesson is None or index != lesson.index:
            return
        last = index + 1 == len(lesson.lesson.steps)
        self._set_status("Lesson complete — well done!" if lesson.is_complete() else
                         "Step done! Press Next." if not last else
                         "Step done! Some earlier steps are still open: press Back.")

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _clear_rows(self) -> None:
        for row in self.rows:
            self.checks_box.removeWidget(row)
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self.rows = []

    def _buttons(self) -> list[QPushButton]:
        return [self.back_button, self.hint_button, self.show_me_button, self.next_button,
                self.restart_button]
