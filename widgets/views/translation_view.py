"""What an encoder–decoder writes on its own: a few source dates and the network's answers.

Reads ``snapshot.probes["introspection:translate"]`` (``engine.introspection.translation``):
``{"rows": [{"source", "target", "predicted", "correct"}], "exact", "char_accuracy",
"teacher_accuracy"}``. One line per probe sample, for a projector: the date as written → the
answer the network writes greedily (reading back its own guesses), a ✓ or ✗ (symbol and
colour), and the true answer; wrong characters of an answer are underlined in vermillion. The
headline compares the accuracy on its own with the teacher-forced one (the decoder shown the
true previous characters, as in training). The labels are made once and only their texts
change, so the list updates in place; the font grows with the room the dock gives it.

``requests_changed({"translate": {"count": 8, "tokens": [...]}})`` asks for the probe
(``tokens``: the dataset's vocabulary; the dates dataset as one sequence of 30 ids also gets
``decoder_start``/``decoder_length``: the answer lies at 20..29).
"""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.introspection.sequence_probes import input_token_names
from engine.introspection.translation import span_options
from widgets.views.common import ProbeView
from widgets.window.theme import OKABE_ITO

PROBE = "translate"
COUNT = 8
MIN_PT, MAX_PT = 10, 30
ROW_CHARS = 52  # monospace characters across one row (20 + 10 + 10, arrow, mark, gaps)
RIGHT, WRONG = OKABE_ITO["green"], OKABE_ITO["vermillion"]
HEADERS = ("date as written", "", "the network writes", "", "true answer")
CAPTION = ("In training the decoder is shown the true previous characters (teacher forcing). "
           "Here it translates on its own: it writes a character, reads it back and writes "
           "the next, so one early mistake can spoil the rest. Wrong characters are "
           "underlined.")
HINT = ("Press Play or Step: here the network will translate a few dates on its own — the "
        "date as written, the answer it writes one character at a time, ✓ or ✗, and the "
        "true answer.")


def answer_html(predicted: str, target: str) -> str:
    """The predicted answer, its characters that differ from ``target`` underlined in
    vermillion (a missing character shows as an underlined "_")."""
    out = []
    for i in range(max(len(predicted), len(target))):
        char = predicted[i] if i < len(predicted) else "_"
        text = html.escape(char).replace(" ", "&nbsp;")
        if i < len(target) and char == target[i]:
            out.append(text)
        else:
            out.append(f"<u style='color:{WRONG}'>{text}</u>")
    return "".join(out)


def summary_text(result: dict[str, Any]) -> str:
    rows = result.get("rows") or []
    right = sum(bool(r.get("correct")) for r in rows)
    return (f"on its own: {_percent(result.get('char_accuracy'))} of characters, {right} of "
            f"{len(rows)} dates exactly right · with the true previous characters (teacher "
            f"forcing): {_percent(result.get('teacher_accuracy'))}")


def _percent(value: Any) -> str:
    return "?" if value is None else f"{round(100 * float(value))} %"


class _Row:
    """The five labels of one translation (made once, texts updated in place)."""

    def __init__(self, grid: QGridLayout, row: int) -> None:
        self.source, self.arrow, self.answer = QLabel(), QLabel("→"), QLabel()
        self.mark, self.target = QLabel(), QLabel()
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        self.target.setProperty("role", "muted")
        self.labels = (self.source, self.arrow, self.answer, self.mark, self.target)
        for col, label in enumerate(self.labels):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            grid.addWidget(label, row, col)

    def show(self, r: dict[str, Any]) -> None:
        source, target = str(r.get("source", "")), str(r.get("target", ""))
        predicted, correct = str(r.get("predicted", "")), bool(r.get("correct"))
        _set(self.source, source)
        _set(self.answer, answer_html(predicted, target))
        _set(self.mark, "✓" if correct else "✗")
        style = f"color: {RIGHT if correct else WRONG}; font-weight: 700;"
        if self.mark.styleSheet() != style:
            self.mark.setStyleSheet(style)
        _set(self.target, target)
        self.mark.setToolTip("the whole date is right" if correct else
                             "at least one character differs from the true answer")

    def set_visible(self, visible: bool) -> None:
        for label in self.labels:
            label.setVisible(visible)


def _set(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


class TranslationView(ProbeView):
    """A live list of translations with ✓/✗ and the headline accuracies."""

    PROBE = PROBE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.tokens: list[str] | None = None
        self.span: dict[str, int] = {}
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.table = QWidget()
        self.grid = QGridLayout(self.table)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(18)
        self.grid.setColumnStretch(len(HEADERS), 1)
        self.headers = [QLabel(text) for text in HEADERS]
        for col, label in enumerate(self.headers):
            label.setProperty("role", "muted")
            self.grid.addWidget(label, 0, col)
        self.rows: list[_Row] = []
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(12, 6, 12, 6)
        column.setSpacing(10)
        column.addWidget(self.headline)
        column.addWidget(self.table)
        column.addStretch(1)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._scroll.setWidget(body)
        self.set_content(self._scroll)
        self.point_size = 0.0
        self._fit_font()

    # -- requests ----------------------------------------------------------------------------
    def probe_requests(self) -> dict[str, dict[str, Any]]:
        opts: dict[str, Any] = {"count": COUNT, **self.span}
        if self.tokens is not None:
            opts["tokens"] = list(self.tokens)
        return {PROBE: opts}

    def set_dataset(self, data: Any) -> None:
        """The vocabulary of ``data``; the dates dataset as one sequence has its answer at
        20..29 of each sample (with two parts the engine finds the decoder's Input)."""
        tokens, span = input_token_names(data), span_options(data)
        if (tokens, span) != (self.tokens, self.span):
            self.tokens, self.span = tokens, span
            self._emit()

    # -- drawing -----------------------------------------------------------------------------
    def accepts(self, result: dict[str, Any]) -> bool:
        return isinstance(result.get("rows"), list)

    def _redraw(self, *_: object) -> None:
        r = self.result
        if r is None:
            return
        rows = r["rows"]
        while len(self.rows) < len(rows):
            self.rows.append(_Row(self.grid, len(self.rows) + 1))
            self.point_size = 0.0  # new labels: give them the font
        for i, row in enumerate(self.rows):
            row.set_visible(i < len(rows))
            if i < len(rows):
                row.show(rows[i])
        _set(self.headline, summary_text(r))
        self.show_content()
        self._fit_font()

    def shown_rows(self) -> list[tuple[str, str, str, str]]:
        """(source, answer as plain text, mark, true answer) of the visible rows (tests)."""
        return [(row.source.text(), _plain(row.answer.text()), row.mark.text(),
                 row.target.text()) for row in self.rows if not row.source.isHidden()]

    # -- a font for the room -------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_font()

    def _fit_font(self) -> None:
        """The largest font (MIN_PT..MAX_PT) with which every row fits the dock."""
        ref = QFont(self.mono)
        ref.setPointSizeF(10.0)
        metrics = QFontMetricsF(ref)
        width = max(self._scroll.viewport().width() - 30, 1)
        height = max(self._scroll.viewport().height() - 20, 1)
        lines = max(len((self.result or {}).get("rows") or []), COUNT) + 3.5
        by_width = 10.0 * width / (metrics.horizontalAdvance("M") * ROW_CHARS)
        by_height = 10.0 * height / (metrics.lineSpacing() * 1.25 * lines)
        pt = float(max(MIN_PT, min(MAX_PT, int(min(by_width, by_height)))))
        if pt == self.point_size:
            return
        self.point_size = pt
        mono = QFont(self.mono)
        mono.setPointSizeF(pt)
        for row in self.rows:
            for label in row.labels:
                label.setFont(mono)
        small = QFont()
        small.setPointSizeF(max(MIN_PT - 1, pt * 0.6))
        for label in self.headers:
            label.setFont(small)
        bold = QFont()
        bold.setPointSizeF(max(MIN_PT, pt * 0.75))
        bold.setBold(True)
        self.headline.setFont(bold)

    def set_theme(self, name: str) -> None:
        self.theme_style(name)


def _plain(rich: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rich)).replace("\xa0", " ")
