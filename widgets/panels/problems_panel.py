"""Problems panel: is the project ready to train, and every message, in words a learner can act on.

The top lists every problem of the readiness check (``app.readiness.check_document``, the
one Play runs: graph, shapes, data fit, recipe, training settings), re-run on every edit of
the network, the recipe or the training settings and whenever the dataset panel has loaded
new data. The summary says "ready" only when that list has no error, i.e. exactly when Play
would start; warnings (Play still works, e.g. a network with no activation function) come
after the errors, marked "Warning" on a pale background, and the summary counts them. A
fixable problem has a button under it that applies its ``Fix`` as one undoable edit ("Fix all"
applies every offered fix in one undo step); clicking a problem emits
``layer_activated`` so the window can select that layer on the canvas. Below come messages
posted by the rest of the window (training errors, a run's final advice, canvas hints, file
problems), newest first.
"""

from __future__ import annotations

import time
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
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

from app.readiness import apply_fix, check_document
from engine.datasets.base import Dataset
from engine.readiness import Fix, Problem
from widgets.window.theme import current_colors

MAX_MESSAGES = 60
LEVELS = ("info", "warning", "error")
MAX_FIX_ROUNDS = 8  # "Fix all": fixes applied one after another, each on a fresh check


class DataSource(Protocol):
    """Where the loaded dataset lives (the dataset panel): ``data`` None means not loaded,
    with ``load_error`` saying why (empty while a load is pending)."""

    data: Dataset | None
    load_error: str


class ProblemsPanel(QWidget):
    """The readiness verdict with its problems and fixes, plus a log of messages."""

    layer_activated = Signal(str)

    def __init__(self, doc, source: DataSource | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.source = source
        self.problems: list[Problem] = []
        self.fix_buttons: list[QPushButton] = []
        self.messages: list[tuple[str, str, float]] = []  # (level, text, time)
        self._data_pending = source is not None and source.data is None \
            and not source.load_error
        self.training = False  # a run is going: "press Play" would be wrong
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.fix_all_button = QPushButton("Fix all")
        self.fix_all_button.setToolTip("Apply every offered fix (one undo step).")
        self.fix_all_button.clicked.connect(self._fix_from_header)
        top.addWidget(self.fix_all_button)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Clear the messages below.")
        self.clear_button.clicked.connect(self.clear_messages)
        top.addWidget(self.clear_button)
        layout.addLayout(top)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemClicked.connect(self._on_item_activated)
        layout.addWidget(self.list, 1)
        doc.shapes_changed.connect(self.recheck)
        doc.training_changed.connect(self.recheck)
        doc.recipe_changed.connect(self.recheck)
        doc.dataset_changed.connect(self._on_data_changing)
        doc.project_loaded.connect(self._on_data_changing)
        self.recheck()

    # -- inputs --------------------------------------------------------------------------------
    def recheck(self, *_args: object) -> None:
        """Run the readiness check on the document and the loaded data; show the result."""
        if self._data_pending:
            self.problems = []
        else:
            data = self.source.data if self.source is not None else None
            error = self.source.load_error if self.source is not None else ""
            if self.source is None:
                error = "No dataset is loaded yet."
            self.problems = check_document(self.doc, data, error)
        self.refresh()

    def _on_data_changing(self, *_args: object) -> None:
        """The dataset changed: its data is reloaded shortly (``on_data_loaded`` follows)."""
        if self.source is not None:
            self._data_pending = True
            self.refresh()

    def on_data_loaded(self, *_args: object) -> None:
        """The dataset panel loaded the document's data (or failed to): check again."""
        self._data_pending = False
        self.recheck()

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

    # -- fixes ---------------------------------------------------------------------------------
    def apply(self, fix: Fix) -> bool:
        """Apply one fix (one undo step); a message says what changed or why not."""
        reason = apply_fix(self.doc, fix)
        self.post(f"Fixed: {fix.label}." if not reason else reason,
                  "info" if not reason else "warning")
        return not reason

    def _fix_from_header(self) -> None:
        """The header's button: "Fix it" (the one offered fix) or "Fix all"."""
        fixes = self.fixes
        if len(fixes) == 1:
            self.apply(fixes[0])
        elif fixes:
            self.fix_all()

    def fix_all(self) -> None:
        """Apply every offered fix, each on a fresh check, as one undo step."""
        tried: set[str] = set()
        stack = self.doc.undo_stack
        stack.beginMacro("Fix all problems")
        try:
            for _ in range(MAX_FIX_ROUNDS):
                fix = next((p.fix for p in self.problems
                            if p.fix is not None and p.fix.label not in tried), None)
                if fix is None:
                    break
                tried.add(fix.label)
                if apply_fix(self.doc, fix):
                    break  # the network is not what the check saw: stop here
                self.recheck()
        finally:
            stack.endMacro()
        self.recheck()
        if tried:
            self.post(f"Fixed: {'; '.join(sorted(tried))}.")

    @property
    def fixes(self) -> list[Fix]:
        return [p.fix for p in self.problems if p.fix is not None]

    # -- view ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        c = current_colors()
        self.list.clear()
        self.fix_buttons = []
        style = self.style()
        critical = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        caution = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        # errors first (they stop Play), then warnings: shown apart, in the text colour
        for problem in sorted(self.problems, key=lambda p: p.level != "error"):
            text = problem.message
            if problem.layer and problem.layer not in text:
                text = f"{problem.layer}: {text}"
            warning = problem.level != "error"
            item = QListWidgetItem(caution if warning else critical,
                                   f"Warning (Play still works): {text}" if warning else text)
            item.setData(Qt.ItemDataRole.UserRole, problem.layer or "")
            if warning:
                item.setBackground(QColor(c.warning_bg))
            else:
                item.setForeground(QColor(c.error))
            if problem.layer:
                item.setToolTip("Click to select this layer on the canvas.")
            self.list.addItem(item)
            if problem.fix is not None:
                self._add_fix_row(problem.fix)
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

    def _add_fix_row(self, fix: Fix) -> None:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(24, 1, 4, 3)
        button = QPushButton(f"Fix: {fix.label}")
        button.setToolTip("Apply this change to the network (Undo takes it back).")
        # applied after the click returns: the edit rebuilds this list and deletes the button
        button.clicked.connect(lambda _=False, f=fix: QTimer.singleShot(0, lambda: self.apply(f)))
        box.addWidget(button)
        box.addStretch(1)
        item = QListWidgetItem()
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setSizeHint(row.sizeHint())
        self.list.addItem(item)
        self.list.setItemWidget(item, row)
        self.fix_buttons.append(button)

    def set_training(self, training: bool) -> None:
        """While a run goes the header says so instead of "press Play"."""
        if training != self.training:
            self.training = training
            self._update_summary()

    def _update_summary(self) -> None:
        c = current_colors()
        n = self.problem_count
        if self._data_pending:
            self.summary.setText("Loading the data… the checks run once it is loaded.")
        elif n:
            noun, them = ("problem stops", "it") if n == 1 else ("problems stop", "them")
            self.summary.setText(f"<b style='color:{c.error}'>{n} {noun} training</b> — "
                                 f"fix {them} below, then press Play.")
            self.summary.setToolTip("The buttons under a problem fix it in one click "
                                    "(Edit → Undo takes a fix back).")
        else:
            # short: one line in the 460 px Problems panel of a 1280×720 window
            self.summary.setText(f"<b style='color:{c.ok}'>✔ Training</b> — no problem found."
                                 if self.training else
                                 f"<b style='color:{c.ok}'>✔ Ready to train</b> — press Play.")
            self.summary.setToolTip("The network fits the data and the training settings.")
        warned = len(self.problems) - n
        if warned and not self._data_pending:
            self.summary.setText(self.summary.text()
                                 + f" ⚠ {warned} warning{'s' if warned > 1 else ''} below.")
        # in the header too when there is one fix: at 1280×720 the list shows the problem's
        # text but its Fix button only after scrolling
        fixes = self.fixes
        self.fix_all_button.setVisible(bool(fixes))
        self.fix_all_button.setText("Fix all" if len(fixes) > 1 else "Fix it")
        self.fix_all_button.setToolTip(
            "Apply every offered fix (one undo step)." if len(fixes) > 1 else
            f"{fixes[0].label} (Edit → Undo takes it back)." if fixes else "")
        self.clear_button.setEnabled(bool(self.messages))

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name:
            self.layer_activated.emit(str(name))

    @property
    def problem_count(self) -> int:
        """Problems that stop training (0: Play would start)."""
        return sum(1 for p in self.problems if p.level == "error")

    @property
    def ready(self) -> bool:
        """True exactly when the readiness check (the one Play runs) finds no error."""
        return not self._data_pending and self.problem_count == 0
